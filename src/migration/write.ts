import { ConcurrencyError, ValidationError } from "../errors.js";
import type { SessionStorage } from "../storage/types.js";
import type { SessionMessage, SessionRecord } from "../types.js";
import { targetSessionId } from "./convert.js";
import type { ConvertedSession } from "./convert.js";

/** What writing one converted session did, and under which V2 id the session lives. */
export type WriteOutcome =
  | { kind: "migrated"; sessionId: string; messages: number }
  | { kind: "skipped"; sessionId: string; note?: string; missing: number };

/**
 * Writes one converted session idempotently: creates it and appends its messages or, when it is
 * already there (under either id form, `keep` or `renew`), appends the V1 messages it lacks.
 * Resuming is decided by content, not by timestamps: when the V2 messages are a prefix of the V1
 * ones, the rest is appended in source order (a write cut short by a crash, or V1 gained
 * messages since); when V2 holds messages V1 does not have, or its messages were cleared in V2,
 * the session moved on in V2 and is left alone, and the outcome says how many V1 messages are
 * missing. Safe against a concurrent writer: the storage refuses a taken session or message id,
 * and the state is then read again.
 *
 * Throws `ValidationError` (field `sessionId`) when the target holds another session under this id.
 */
export async function writeConverted(
  storage: SessionStorage,
  c: ConvertedSession,
): Promise<WriteOutcome> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await findMigrated(storage, c);
    if (!existing) {
      const id = c.record.sessionId;
      if (!(await attempt_(() => storage.createSession(c.record), "sessionId"))) continue;
      if (c.messages.length === 0) return { kind: "migrated", sessionId: id, messages: 0 };
      if (!(await attempt_(() => storage.appendMessages(id, c.messages), "messageId"))) continue;
      return { kind: "migrated", sessionId: id, messages: c.messages.length };
    }
    const outcome = await resume(storage, existing, c);
    if (outcome) return outcome;
  }
  throw new ConcurrencyError(
    `session ${c.record.sessionId} kept changing while it was being migrated`,
  );
}

/**
 * The V2 session this V1 session was migrated to, under the id this run uses or the other id
 * form (a `--renew-ids` run after a `keep` run, or the reverse, must not duplicate sessions).
 */
export async function findMigrated(
  storage: SessionStorage,
  c: ConvertedSession,
): Promise<SessionRecord | null> {
  const own = await storage.getSession(c.record.sessionId);
  if (own) {
    assertSameSource(own, c);
    return own;
  }
  for (const mode of ["keep", "renew"] as const) {
    const id = targetSessionId(c.v1SessionId, mode);
    if (id === c.record.sessionId) continue;
    const other = await storage.getSession(id).catch(() => null);
    if (other && isFrom(other, c) && sameSource(other, c)) return other;
  }
  return null;
}

/** Null when the state changed meanwhile (a concurrent writer): the caller reads it again. */
async function resume(
  storage: SessionStorage,
  existing: SessionRecord,
  c: ConvertedSession,
): Promise<WriteOutcome | null> {
  const id = existing.sessionId;
  const present = await storage.getMessages(id);
  const source = c.messages;
  const isPrefix = present.every(
    (m, i) => i < source.length && m.messageId === source[i]!.messageId,
  );
  const cleared = present.length === 0 && Number(existing.metadata.v1Messages) > 0;
  if (!isPrefix || (cleared && touchedInV2(existing, c))) {
    const have = new Set(present.map((m) => m.messageId));
    const missing = source.filter((m) => !have.has(m.messageId)).length;
    if (missing === 0) return { kind: "skipped", sessionId: id, missing: 0 };
    const why = isPrefix ? "its messages were cleared" : "it holds messages V1 does not have";
    return {
      kind: "skipped",
      sessionId: id,
      missing,
      note: `changed in V2 after migration (${why}); left as is, ${missing} of ${source.length} V1 messages not migrated`,
    };
  }
  if (present.length >= source.length) return { kind: "skipped", sessionId: id, missing: 0 };
  const rest = source.slice(present.length).map((m): SessionMessage => ({ ...m, sessionId: id }));
  if (!(await attempt_(() => storage.appendMessages(id, rest), "messageId"))) return null;
  return { kind: "migrated", sessionId: id, messages: rest.length };
}

/**
 * True when an existing V2 session was migrated from V1 but not all its messages were written,
 * and nothing but the migration has touched it since (see `touchedInV2`).
 */
export function isIncompleteMigration(existing: SessionRecord, c?: ConvertedSession): boolean {
  const md = existing.metadata;
  if (md.migratedFrom !== "v1" || typeof md.v1Messages !== "number") return false;
  if (existing.messageCount >= md.v1Messages) return false;
  return !touchedInV2(existing, c);
}

/**
 * Appending migrated messages leaves `updatedAt` alone while any V2 activity (a turn, a clear, an
 * update) moves it. The migration records the value it wrote; sessions migrated before that was
 * recorded are compared with the V1 row as converted now.
 */
export function touchedInV2(existing: SessionRecord, c?: ConvertedSession): boolean {
  const recorded = existing.metadata.v1MigratedUpdatedAt;
  const written =
    typeof recorded === "string" ? Date.parse(recorded) : c?.record.updatedAt.getTime();
  return written === undefined || existing.updatedAt.getTime() !== written;
}

function isFrom(existing: SessionRecord, c: ConvertedSession): boolean {
  const md = existing.metadata;
  return md.migratedFrom === "v1" && md.v1SessionId === c.v1SessionId;
}

/** Sessions migrated before the fingerprint was recorded are matched by user. */
function sameSource(existing: SessionRecord, c: ConvertedSession): boolean {
  const recorded = existing.metadata.v1Source;
  if (typeof recorded === "string") return recorded === c.record.metadata.v1Source;
  return existing.userId === c.record.userId;
}

function assertSameSource(existing: SessionRecord, c: ConvertedSession): void {
  if (!isFrom(existing, c)) {
    throw new ValidationError(
      "sessionId",
      `${existing.sessionId} is already used by another session (not migrated from this V1 session)`,
    );
  }
  if (!sameSource(existing, c)) {
    throw new ValidationError(
      "sessionId",
      `${existing.sessionId} is already used by another session, migrated from another V1 database (different user or creation time)`,
    );
  }
}

/** Runs a write; false when the storage refused it because `field` was taken meanwhile. */
async function attempt_(write: () => Promise<void>, field: string): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ValidationError && error.field === field) return false;
    throw error;
  }
}
