/**
 * @module @langswarm/session/migration — moves LangSwarm V1 session data to V2: `migrateV1`,
 * `verifyMigration`, the `SessionBridge` for gradual migration, and the V1 reader.
 */
export { migrateV1 } from "./migrate.js";
export { MigrationAbortedError, V1HotJournalError } from "./errors.js";
export type { MigrateV1Options, MigrationProgress, MigrationReport } from "./migrate.js";
export { verifyMigration } from "./verify.js";
export type { VerifyOptions, VerifyReport, SessionDifference } from "./verify.js";
export { SessionBridge } from "./bridge.js";
export type { SessionBridgeOptions, BridgedSession, UserSessions } from "./bridge.js";
export { V1SessionView } from "./v1-session.js";
export { V1Reader } from "./v1-reader.js";
export type { V1Entry, V1Message, V1Session, V1UserRow } from "./v1-reader.js";
export { V1Clock, localTimeZone } from "./v1-time.js";
export { parsePythonJson } from "./v1-json.js";
export { DEFAULT_PROVIDER_MAP, mapV1ProviderToV2 } from "./provider-map.js";
export { convertSession, targetSessionId } from "./convert.js";
export type { ConvertedSession, ConvertOptions } from "./convert.js";
export type { V1MessageFacts } from "./convert-message.js";
export type { MigrationTarget } from "./target.js";
