/**
 * Cleanup of inactive sessions, and deleting a session: what
 * `SessionManager.cleanupInactiveSessions` and `deleteSession` run.
 */
import { StorageError, ValidationError } from "./errors.js";
import { callHook } from "./internal/hooks.js";
import { warnProviderCleanup } from "./provider-state.js";
import type { ConfiguredProviders } from "./providers/configured.js";
import { failureText, scrubbedCause } from "./providers/provider-failure.js";
import { isInactive } from "./storage/inactive.js";
import { isKnown } from "./storage/record.js";
import { isConditionalCleanupStorage } from "./storage/types.js";
import type { InactiveCondition, ListCursor, SessionQuery } from "./storage/types.js";
import type { SessionStorage } from "./storage/types.js";
import { providerInfo } from "./session-record.js";
import type { Runtime } from "./turn-lock.js";
import { SESSION_STATUSES, type SessionRecord, type SessionStatus } from "./types.js";
import { knownOptions, requireStatus } from "./validate.js";

export type CleanupAction = "archive" | "delete";

export interface CleanupOptions {
  /** Sessions with no activity for this long are cleaned up. @default 24 */
  maxInactiveHours?: number;
  /** @default "archive" */
  action?: CleanupAction;
  /** Only sessions in this status. @default every status but "archived" to archive, any to delete */
  status?: SessionStatus;
}

/** A validated cleanup: what to do, and what a session must still be when it is done. */
export interface CleanupPlan {
  action: CleanupAction;
  condition: InactiveCondition;
}

// A thousand years: beyond it a cutoff date is out of every backend's range.
const MAX_HOURS = 24 * 366 * 1000;
const PAGE = 500;
const ARCHIVABLE = SESSION_STATUSES.filter((s) => s !== "archived");

/** Checks a cleanup's options, before anything is read. */
export function cleanupPlan(given: CleanupOptions | undefined): CleanupPlan {
  const options = knownOptions(given, ["maxInactiveHours", "action", "status"]);
  const hours = options.maxInactiveHours ?? 24;
  if (typeof hours !== "number" || !Number.isFinite(hours) || hours < 0 || hours > MAX_HOURS) {
    throw new ValidationError("maxInactiveHours", `must be a number from 0 to ${MAX_HOURS}`);
  }
  const action = options.action ?? "archive";
  if (action !== "archive" && action !== "delete")
    throw new ValidationError("action", 'must be "archive" or "delete"');
  const status = options.status === undefined ? undefined : requireStatus(options.status);
  if (status === "archived" && action === "archive") {
    throw new ValidationError(
      "status",
      'cannot be "archived" to archive (archived sessions can only be deleted)',
    );
  }
  const statuses = status ? [status] : action === "archive" ? ARCHIVABLE : undefined;
  return {
    action,
    condition: { inactiveBefore: new Date(Date.now() - hours * 3_600_000), statuses },
  };
}

/**
 * Runs a cleanup: lists the sessions that match, page by page, and archives or deletes each one
 * that still matches at that moment. A session whose turn is held in this process (a turn in
 * flight) is skipped: it is in use. Only sessions acted on count.
 *
 * One session's failure does not stop the rest; once done (or once a listing fails, which ends
 * the run), the failures are thrown as one `StorageError` that says how many sessions were
 * cleaned up, with an `AggregateError` of every failure as its `cause`.
 */
export function cleanUpInactive(
  rt: Runtime,
  providers: ConfiguredProviders,
  plan: CleanupPlan,
): Promise<number> {
  return rt.closing.run(() => cleanUp(rt, providers, plan));
}

async function cleanUp(
  rt: Runtime,
  providers: ConfiguredProviders,
  plan: CleanupPlan,
): Promise<number> {
  const failures: unknown[] = [];
  let count = 0;
  let after: ListCursor | undefined;
  do {
    let page;
    try {
      page = await rt.storage.listSessions(listing(plan.condition, after));
    } catch (error) {
      failures.push(error);
      break;
    }
    for (const listed of page.sessions) {
      if (rt.closing.closed) throw closedDuring(rt.storage, count, failures);
      try {
        if (await cleanUpOne(rt, providers, listed, plan)) count++;
      } catch (error) {
        failures.push(error);
      }
    }
    after = page.next ?? undefined;
  } while (after);
  if (failures.length) throw cleanupFailed(rt.storage, count, failures);
  return count;
}

/** A cleanup stopped by `close()` after the session it was at: it says how far it got. */
function closedDuring(storage: SessionStorage, count: number, failures: unknown[]): StorageError {
  const failed = failures.length ? ` and ${failures.length} failure(s)` : "";
  return new StorageError(
    storage.name,
    `the manager was closed during cleanup, after cleaning up ${count} session(s)${failed}`,
    failures.length ? { cause: scrubbedFailures(failures) } : undefined,
  );
}

function listing(condition: InactiveCondition, after: ListCursor | undefined): SessionQuery {
  const { inactiveBefore, statuses } = condition;
  return { inactiveBefore, statuses, limit: PAGE, after };
}

/** One session of a cleanup, as listed: whether it was archived or deleted. */
async function cleanUpOne(
  rt: Runtime,
  providers: ConfiguredProviders,
  listed: SessionRecord,
  { action, condition }: CleanupPlan,
): Promise<boolean> {
  const { sessionId } = listed;
  if (!rt.mutex.tryAcquire(sessionId)) return false; // a turn in flight: the session is in use
  let record: SessionRecord | null;
  try {
    // The provider state a lost delete leaves is the session's as it is now (under its turn
    // lock), not as listed: a clear or a switch may have come in between.
    const current = action === "delete" ? await rt.storage.getSession(sessionId) : null;
    record = await actIfInactive(rt.storage, sessionId, action, condition).catch(
      (error: unknown) =>
        current ? goneDespite(rt.storage, current, error) : Promise.reject(error),
    );
    // Before the turns queued meanwhile go on: they re-read the record, and find it changed.
    if (record) rt.versions.bump(sessionId);
  } finally {
    rt.mutex.release(sessionId);
  }
  if (!record) return false;
  if (action === "delete") await deleteProviderState(providers, record);
  // After the turn is free again: a hook may use the session (or try to).
  await callHook(
    rt.config.hooks,
    action === "delete" ? "onSessionDeleted" : "onSessionArchived",
    sessionId,
  );
  return true;
}

async function actIfInactive(
  storage: SessionStorage,
  sessionId: string,
  action: CleanupAction,
  condition: InactiveCondition,
): Promise<SessionRecord | null> {
  if (isConditionalCleanupStorage(storage)) {
    return storage.cleanUpIfInactive(sessionId, action, condition);
  }
  // A storage without the capability: re-read under the turn lock, which covers this process's
  // turns only (another process may still write between the read and the act).
  const record = await storage.getSession(sessionId);
  if (!record || !isInactive(record, condition)) return null;
  if (action === "archive") return storage.updateSession(sessionId, { status: "archived" });
  return (await storage.deleteSession(sessionId, record)) ? record : null;
}

function cleanupFailed(storage: SessionStorage, count: number, failures: unknown[]): StorageError {
  return new StorageError(
    storage.name,
    `cleanup finished with ${failures.length} failure(s) after cleaning up ${count} ` +
      `session(s); the first: ${failureText(failures[0])}`,
    { cause: scrubbedFailures(failures) },
  );
}

/**
 * The failures of a cleanup, scrubbed as a turn's cause is: a storage's driver errors quote
 * their connection URL, password included, and `console.error` prints a cause whole.
 */
function scrubbedFailures(failures: readonly unknown[]): AggregateError {
  const kept = failures.map((f) => scrubbedCause(f) ?? failureText(f));
  return new AggregateError(kept, "cleanup failures");
}

/**
 * Deletes a session (`SessionManager.deleteSession`) at once: a turn in flight on it, or one of
 * its `Session` objects, finds it gone (`SessionNotFoundError`), also once a session is made anew
 * under its id. It does not queue behind the session's turn, which may be waiting on the very
 * code that deletes (a stream's reader, a middleware).
 */
export async function deleteSession(
  rt: Runtime,
  providers: ConfiguredProviders,
  sessionId: string,
): Promise<boolean> {
  // Held if free, so that no change of its provider state (a clear, a switch) comes between the
  // read and the delete; not waited for, as the turn holding it may be what deletes.
  const locked = rt.mutex.tryAcquire(sessionId);
  let record: SessionRecord | null;
  let deleted: boolean;
  try {
    record = await rt.storage.getSession(sessionId);
    if (!record) return false;
    const read = record;
    // Only the session read: not one another process made anew under its id meanwhile.
    deleted = await rt.storage.deleteSession(sessionId, read).catch(async (error: unknown) => {
      await goneDespite(rt.storage, read, error);
      return true;
    });
  } finally {
    rt.versions.bump(sessionId);
    if (locked) rt.mutex.release(sessionId);
  }
  if (!deleted) return false;
  await outliveCreation(record.createdAt);
  await deleteProviderState(providers, record);
  await callHook(rt.config.hooks, "onSessionDeleted", sessionId);
  return true;
}

/**
 * After a delete failed, perhaps with its outcome unknown (a COMMIT whose answer was lost): the
 * session is read back, as `createSession` does. Gone (or another one under its id), it was
 * deleted, and `record` is returned, so that its provider state goes too: nothing else points at
 * it, and a retry would find no session. Still there, the error stands. Unreadable, the error
 * stands, and a warning names the provider state that may be left behind.
 */
async function goneDespite(
  storage: SessionStorage,
  record: SessionRecord,
  error: unknown,
): Promise<SessionRecord> {
  if (!(error instanceof StorageError)) throw error;
  let found: SessionRecord | null;
  try {
    found = await storage.getSession(record.sessionId);
  } catch {
    const state = record.providerSessionId;
    if (state) {
      const what = `could not delete ${record.provider} ${state} of session ${record.sessionId}`;
      warnProviderCleanup(what, "the session's delete has an unknown outcome");
    }
    throw error;
  }
  if (found && isKnown(found, record)) throw error;
  return record;
}

/**
 * Waits out the millisecond the deleted session was made in. A session is told from one made
 * anew under its id by its user and creation time (`KnownSession`, to the millisecond): made
 * again at once, it would be taken for the deleted one by its stale `Session` objects. (Bounded:
 * a clock ahead of ours, another machine's, is not waited for.)
 */
async function outliveCreation(createdAt: Date): Promise<void> {
  const made = createdAt.getTime();
  for (let i = 0; i < 3 && Date.now() <= made && made - Date.now() < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Deletes the provider-side state (an OpenAI conversation) of a session deleted from storage.
 * Best effort, since nothing points at it any more: a failure (provider down, key revoked) is a
 * process warning, `LANGSWARM_PROVIDER_CLEANUP_FAILED`, as for state a provider move leaves
 * behind. A provider this manager is not configured with cannot be reached: state it holds is
 * reported the same way, since it may hold the whole transcript.
 */
export async function deleteProviderState(
  providers: ConfiguredProviders,
  record: SessionRecord,
): Promise<void> {
  if (!providers.has(record.provider)) {
    const id = record.providerSessionId;
    if (id) {
      const what = `could not delete ${record.provider} ${id} of deleted session ${record.sessionId}`;
      warnProviderCleanup(what, "its provider is not configured in this manager");
    }
    return;
  }
  try {
    const adapter = await providers.get(record.provider);
    await adapter.deleteProviderSession?.(providerInfo(record));
  } catch (error) {
    const state = record.providerSessionId ?? "state";
    warnProviderCleanup(
      `could not delete ${record.provider} ${state} of deleted session ${record.sessionId}`,
      error,
    );
  }
}
