/**
 * @module @langswarm/session — LLM conversation sessions: one manager, one session interface for
 * every provider, durable storage, metrics, and V1 migration (`@langswarm/session/migration`).
 */
export { createSessionManager, SessionManager } from "./manager.js";
export type { SessionList } from "./manager.js";
export type { CleanupAction, CleanupOptions } from "./cleanup.js";
export type { CreateSessionInput, CreateSessionOptions } from "./session-input.js";
export { Session } from "./session.js";
export type { SendMessageOptions } from "./session.js";
export { MessageStream } from "./stream.js";
export {
  ConcurrencyError,
  ProviderError,
  SessionError,
  SessionNotFoundError,
  StorageError,
  ValidationError,
} from "./errors.js";
export type { SessionErrorCode } from "./errors.js";
export type {
  ManagerOptionsInput as SessionManagerOptions,
  ProviderOptions,
  SessionHooks,
  SessionMiddleware,
  StorageConfig,
} from "./config.js";
export { MESSAGE_ROLES, SESSION_STATUSES } from "./types.js";
export type {
  GetMessagesOptions,
  ListSessionsOptions,
  MessageRole,
  SessionMessage,
  SessionMetrics,
  SessionRecord,
  SessionStatus,
  TokenUsage,
  ToolCall,
} from "./types.js";
export { StorageFactory } from "./storage/factory.js";
export type { StorageName } from "./storage/factory.js";
export { memoryStorage } from "./storage/memory.js";
export type { MemoryStorageOptions } from "./storage/memory.js";
export { sqliteStorage } from "./storage/sqlite.js";
export type { SqliteStorageOptions } from "./storage/sqlite.js";
export { postgresStorage } from "./storage/postgres.js";
export type { PostgresStorageOptions } from "./storage/postgres.js";
export {
  isConditionalCleanupStorage,
  isSyncTurnStorage,
  isTurnLeaseStorage,
} from "./storage/types.js";
export type {
  ConditionalCleanupStorage,
  InactiveCondition,
  KnownSession,
  ListCursor,
  MessageQuery,
  SessionPage,
  SessionPatch,
  SessionQuery,
  SessionStorage,
  StorageUsage,
  SyncTurnStorage,
  TurnCounters,
  TurnLeaseStorage,
} from "./storage/types.js";
export type {
  HistoryMode,
  ModelPrice,
  ProviderAdapter,
  ProviderReply,
  ProviderSessionInfo,
  ProviderStreamEvent,
  ProviderTurnInput,
  SpentAttempt,
  ProviderUsage,
} from "./providers/types.js";
