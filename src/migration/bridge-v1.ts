import { SessionNotFoundError, StorageError, ValidationError } from "../errors.js";
import type { Closing } from "../internal/closing.js";
import { unlessAborted } from "../internal/follow-signal.js";
import { notStarted } from "../turn-lock.js";
import type { Session } from "../session.js";
import { requireString } from "../validate.js";
import { convertSession, v1SourceFingerprint } from "./convert.js";
import type { ConvertedSession, ConvertOptions } from "./convert.js";
import { isMigrationOf } from "./v1-origin.js";
import type { V1Reader, V1Session } from "./v1-reader.js";

// V1 session ids are free-form text: longer ones than V2 holds (256) are migrated under new ids.
const MAX_V1_ID_LENGTH = 4096;

/** A V1 session converted for the bridge; a corrupt row is a `StorageError` naming it. */
export function readV1(
  reader: V1Reader | null,
  sessionId: string,
  options: ConvertOptions,
): ConvertedSession {
  requireString("sessionId", sessionId, MAX_V1_ID_LENGTH);
  const entry = reader?.get(sessionId);
  if (!entry) throw new SessionNotFoundError(sessionId);
  try {
    if (!entry.ok) throw new Error(entry.error);
    return convertSession(entry.session, options);
  } catch (error) {
    throw cannotRead(sessionId, error as Error);
  }
}

function cannotRead(sessionId: string, error: Error): StorageError {
  return new StorageError("v1", `V1 session ${sessionId} cannot be read: ${error.message}`, {
    cause: error,
  });
}

/**
 * The `session_id`s of the rows that may be the user's (see `V1Reader.sessionIdsOfUser`). A row
 * whose id cannot be read (not valid text, NULL) cannot be looked up: it goes to `unreadable`
 * under `rowid:N`, as the migration reports it, rather than vanish from the listing.
 */
export function userRowIds(
  reader: V1Reader | null,
  userId: string,
  out: { sessionId: string; error: string }[],
): string[] {
  const ids: string[] = [];
  for (const { sessionId, error } of reader?.sessionIdsOfUser(userId) ?? []) {
    if (error === undefined) ids.push(sessionId);
    else out.push({ sessionId, error: cannotRead(sessionId, new Error(error)).message });
  }
  return ids;
}

/**
 * Whether the bridge may serve this V2 session under its id: false when it was migrated from V1
 * while this V1 file holds another session under that id (another V1 file's session: several
 * apps may each have had `default`), or one too corrupt to tell (the V1 read then reports it).
 * A session created in V2, or with no V1 row of its id here, is served.
 */
export function isOwnOrNative(session: Session, reader: V1Reader | null): boolean {
  if (session.metadata.migratedFrom !== "v1") return true;
  let metadata: V1Session["metadata"] | null;
  try {
    metadata = reader?.metadataOf(session.sessionId) ?? null;
  } catch {
    return false;
  }
  if (!metadata) return true;
  const source = v1SourceFingerprint({ metadata });
  const origin = { v1SessionId: session.sessionId, source, userId: metadata.user_id };
  return isMigrationOf(session, origin);
}

/**
 * For listings: a V1 row the bridge cannot serve (corrupt, or an id it cannot look up) goes to
 * `unreadable` with the reason; one deleted since it was listed is skipped. Anything else (the
 * V1 file failing) is thrown.
 */
export function unreadable(
  error: unknown,
  sessionId: string,
  out: { sessionId: string; error: string }[],
): null {
  if (error instanceof SessionNotFoundError) return null;
  const unfit = error instanceof ValidationError && error.field === "sessionId";
  if (!(error instanceof StorageError && error.backend === "v1") && !unfit) throw error;
  out.push({ sessionId, error: (error as Error).message });
  return null;
}

/**
 * `findMigrated` refuses an id that V2 holds for another session (created in V2, or migrated
 * from another V1 file): this V1 session is then not migrated. Any other failure is thrown.
 */
export function notMigrated(error: unknown): null {
  if (error instanceof ValidationError && error.field === "sessionId") return null;
  throw error;
}

/**
 * A V1 view's change, begun at call time as a V2 session's call is: it enters the manager's
 * closing, so that `close()` waits for it (migration and V2 call) and it is refused once closed,
 * before anything is migrated. `session` is `start()`'s V2 session to run it on or, once `signal`
 * aborts first, the error of a V2 turn aborted before it started: an aborted call settles at once
 * (already aborted: before migrating), while a migration under way goes on, since stopping it
 * halfway would leave V2 without V1's history. So `end` leaves the closing once that is over too.
 */
export function beginChange<T>(
  closing: Closing,
  signal: AbortSignal | undefined,
  provider: string,
  start: () => Promise<T>,
): { session: Promise<T>; end: () => void } {
  closing.enter();
  if (signal?.aborted) {
    closing.leave();
    throw notStarted(provider);
  }
  const ready = start();
  const leave = (): void => closing.leave();
  return {
    session: unlessAborted(ready, signal, () => notStarted(provider)),
    end: () => void ready.then(leave, leave),
  };
}
