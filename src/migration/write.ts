import { ConcurrencyError, ValidationError } from "../errors.js";
import type { SessionPatch, SessionStorage, TurnCounters } from "../storage/types.js";
import { noCost } from "../turn-cost.js";
import type { SessionMessage, SessionRecord } from "../types.js";
import { continuation } from "./align.js";
import {
  endsWithV1,
  resumeCutShort,
  resumedAt,
  touchedInV2,
  writtenRecord,
} from "./resume-state.js";
import { assertSameSource, isMigrationOf } from "./v1-origin.js";
import { targetSessionId } from "./convert.js";
import type { ConvertedSession } from "./convert.js";

/** What writing one converted session did, and under which V2 id the session lives. */
export type WriteOutcome =
  | { kind: "migrated"; sessionId: string; messages: number }
  | { kind: "skipped"; sessionId: string; note?: string; missing: number };

/**
 * Writes one converted session idempotently: creates it and appends its messages or, when it is
 * already there (under either id form, `keep` or `renew`), appends the V1 messages it lacks.
 * Resuming is decided by content, not by timestamps: when the V1 messages V2 already has end at
 * V2's last message, in the same order, V1's remaining messages are appended in source order (a
 * write cut short by a crash, V1 gained messages since, or V1 truncated its oldest and then
 * gained some: see `continuation`). When every V1 message is in V2 the session is up to date.
 * When V2 holds messages after the shared ones that V1 does not have, or its messages were
 * cleared in V2, the session moved on in V2 and is left alone, and the outcome says how many V1
 * messages are missing. Safe against a concurrent writer: the storage refuses a taken session or
 * message id, and the state is then read again.
 *
 * Throws `ValidationError` (field `sessionId`) when the target holds another session under this id,
 * and `c.unstorable` (naming the V1 field) before anything is written.
 */
export async function writeConverted(
  storage: SessionStorage,
  c: ConvertedSession,
): Promise<WriteOutcome> {
  if (c.unstorable) throw c.unstorable;
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await findMigrated(storage, c);
    if (!existing) {
      // Checked only now: a `keep` run after a `renew` run finds the session under its UUID.
      if (c.idProblem !== null) throw new ValidationError("sessionId", c.idProblem);
      const id = c.record.sessionId;
      const created = () => storage.getSession(id).then((r) => r !== null);
      if (!(await unlessRaced(() => storage.createSession(c.record), "sessionId", created)))
        continue;
      if (c.messages.length === 0) return { kind: "migrated", sessionId: id, messages: 0 };
      if (!(await appendToCreated(storage, id, c.messages))) continue;
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
  // An id V2 cannot hold is not looked up (Postgres refuses a NUL in a query parameter).
  const own = c.idProblem === null ? await storage.getSession(c.record.sessionId) : null;
  if (own && isMigrationOf(own, c)) return own;
  for (const mode of ["keep", "renew"] as const) {
    const id = targetSessionId(c.v1SessionId, mode);
    if (id === c.record.sessionId) continue;
    const other = await storage.getSession(id).catch(() => null);
    if (other && isMigrationOf(other, c)) return other;
  }
  if (own) assertSameSource(own, c);
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
  const have = new Set(present.map((m) => m.messageId));
  const missing = source.filter((m) => !have.has(m.messageId)).length;
  // Every V1 message is in V2 (also when V1 truncated or V2 continued since). V1 may still have
  // changed the session itself (archived it): its record comes over if only we touched it.
  if (missing === 0) {
    const r = c.record;
    const same = existing.status === r.status && existing.provider === r.provider;
    // A resume stopped before its append restamped the record: finished here, nothing to append.
    const cutShort = resumeCutShort(existing, c) && endsWithV1(present, c);
    if (!cutShort && (same || touchedInV2(existing, c))) {
      return { kind: "skipped", sessionId: id, missing: 0 };
    }
    if (!(await appendRest(storage, existing, c, []))) return null;
    return { kind: "migrated", sessionId: id, messages: 0 };
  }
  const lacking = continuation(present, source, c.record.metadata.v1TruncatedAt != null);
  const cleared = present.length === 0 && Number(existing.metadata.v1Messages) > 0;
  if (lacking === null || (cleared && touchedInV2(existing, c))) {
    const why =
      lacking !== null ? "its messages were cleared" : "it holds messages V1 does not have";
    return {
      kind: "skipped",
      sessionId: id,
      missing,
      note: `changed in V2 after migration (${why}); left as is, ${missing} of ${source.length} V1 messages not migrated`,
    };
  }
  const rest = lacking.map((m): SessionMessage => ({ ...m, sessionId: id }));
  if (!(await appendRest(storage, existing, c, rest))) return null;
  return { kind: "migrated", sessionId: id, messages: rest.length };
}

/**
 * Appends the V1 messages V2 lacks. When nothing but the migration has touched the session, its
 * record is brought up to V1's state first (status, provider, V1 facts in metadata): V1 may have
 * archived it or counted more messages since. The append then carries zero counters whose `at`
 * sets `updatedAt` to the instant recorded as `v1MigratedUpdatedAt` (so the session still reads
 * as untouched) and moves `lastActivity` up to at least the newest message. A session used in
 * V2 keeps its record as V2 left it. An earlier resume stopped between the two writes
 * (`resumeCutShort`) is done again whole, so it ends as an uninterrupted one. False when the
 * state changed meanwhile.
 */
async function appendRest(
  storage: SessionStorage,
  existing: SessionRecord,
  c: ConvertedSession,
  rest: SessionMessage[],
): Promise<boolean> {
  const id = existing.sessionId;
  const at = resumedAt(c);
  const r = c.record;
  const append = (counters?: TurnCounters) =>
    unlessRaced(
      () => storage.appendMessages(id, rest, counters),
      "messageId",
      () => hasAnyOf(storage, id, rest),
    );
  const touched = touchedInV2(existing, c) && !resumeCutShort(existing, c);
  // Used in V2 (its record stays), or a first write cut short with V1 unchanged (the record is
  // already V1's and its stamp right: appended to as on a first run).
  if (touched || (isCurrent(existing, c) && !touchedInV2(existing, c))) return append();
  const patch: SessionPatch = {
    status: r.status,
    provider: r.provider,
    model: r.model,
    providerSessionId: r.providerSessionId,
    // What this update writes, so a run after a crash before the append can tell it from V2's.
    mergeMetadata: {
      ...r.metadata,
      v1MigratedUpdatedAt: at.toISOString(),
      v1MigratedRecord: writtenRecord(r),
    },
  };
  if (!(await storage.updateSession(id, patch))) return false;
  return append(noCost(at));
}

/** Whether the record is V1's as it is now (V1 has not changed the session since). */
function isCurrent(existing: SessionRecord, c: ConvertedSession): boolean {
  const r = c.record;
  return (
    existing.metadata.v1MigratedUpdatedAt === r.updatedAt.toISOString() &&
    existing.metadata.v1Messages === r.metadata.v1Messages &&
    existing.status === r.status
  );
}

/**
 * Appends the messages of a session this run has just created. Any failure but a concurrent
 * writer's (which resumed into it: the caller reads the state again) deletes the session again,
 * so a failing session leaves nothing in V2, not an empty session that hides the failure.
 */
async function appendToCreated(
  storage: SessionStorage,
  id: string,
  messages: readonly SessionMessage[],
): Promise<boolean> {
  try {
    await storage.appendMessages(id, messages);
    return true;
  } catch (error) {
    if (await takenMeanwhile(error, "messageId", () => hasAnyOf(storage, id, messages))) {
      return false;
    }
    // The append's error is the one to report; a target that fails this too is caught later.
    await storage.deleteSession(id).catch(() => false);
    throw error;
  }
}

/** Runs a write; false when the storage refused it because `field` was taken meanwhile. */
async function unlessRaced(
  write: () => Promise<void>,
  field: string,
  taken: () => Promise<boolean>,
): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (await takenMeanwhile(error, field, taken)) return false;
    throw error;
  }
}

/**
 * A concurrent writer's doing: the storage refused `field` and the value is really there now.
 * A `ValidationError` on the same field for another reason (a value the storage refuses) is the
 * data's fault, not a race, and retrying would only fail the same way.
 */
async function takenMeanwhile(
  error: unknown,
  field: string,
  taken: () => Promise<boolean>,
): Promise<boolean> {
  if (!(error instanceof ValidationError && error.field === field)) return false;
  // A target that cannot even tell is no proof of a race: the write's own error is reported.
  return taken().catch(() => false);
}

/** Whether the session holds any of these message ids. */
async function hasAnyOf(
  storage: SessionStorage,
  id: string,
  messages: readonly SessionMessage[],
): Promise<boolean> {
  const ids = new Set(messages.map((m) => m.messageId));
  return (await storage.getMessages(id)).some((m) => ids.has(m.messageId));
}
