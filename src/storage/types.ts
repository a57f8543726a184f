import type {
  GetMessagesOptions,
  SessionMessage,
  SessionRecord,
  SessionStatus,
  TokenUsage,
} from "../types.js";

/** Fields of a session that may change after creation. `merge*` fields are merged shallowly. */
export interface SessionPatch {
  status?: SessionStatus;
  name?: string | null;
  description?: string | null;
  provider?: string;
  model?: string;
  providerSessionId?: string | null;
  providerConfig?: Record<string, unknown>;
  /**
   * Merged into `context` inside the backend's own transaction, so concurrent merges both land;
   * shallow, and a key given as `undefined` is removed.
   */
  mergeContext?: Record<string, unknown>;
  /** Merged into `metadata` the same way. */
  mergeMetadata?: Record<string, unknown>;
  /** The session as the caller knows it: another one made under its id is not changed. */
  known?: KnownSession;
}

/** What `getMessages` takes: the newest `limit`, of the session the caller knows. */
export interface MessageQuery extends GetMessagesOptions {
  /** Read only this session, not another made under its id since (`SessionNotFoundError`). */
  known?: KnownSession;
}

/**
 * A session as a write knows it. A session id can be taken again after a delete (V1 ids, ids an
 * app chooses), perhaps for another user, perhaps by another process: a session of another user
 * or creation time is another session, and the write fails with `SessionNotFoundError`.
 */
export type KnownSession = Pick<SessionRecord, "userId" | "createdAt">;

/** What a turn adds to the session's counters; written in the same transaction as its messages. */
export interface TurnCounters {
  usage: TokenUsage;
  /** null when the model has no known price: the session's cost becomes unknown. */
  costUsd: number | null;
  at: Date;
  /**
   * Set when the turn was answered under this holder's turn lease (`TurnLeaseStorage`): the
   * storage then keeps the turn only while that holder still holds the session's lease, and
   * otherwise throws `ConcurrencyError` and writes nothing. Another process that took the lease
   * over (this one froze for longer than the lease) may have run a turn this one never saw.
   */
  leaseHolder?: string;
  /**
   * A turn of the conversation: the session becomes `active` again, in the same write (one that
   * was archived meanwhile, even by another process, would otherwise take turns while archived).
   */
  activate?: boolean;
  /** The session as the turn knows it: another one made under its id is not written to. */
  known?: KnownSession;
  /**
   * The session's provider and model as the turn ran on them. If the session was moved to another
   * meanwhile (by another process: a turn without a lease does not read the session again), the
   * storage throws `ConcurrencyError` and writes nothing: the reply is the old provider's.
   */
  ranOn?: { provider: string; model: string };
}

/** Position after which a listing page starts (newest activity first, then session id). */
export interface ListCursor {
  lastActivity: Date;
  sessionId: string;
}

export interface SessionQuery {
  userId?: string;
  status?: SessionStatus;
  /**
   * Only sessions in one of these statuses (an empty list matches none); with `status`, both
   * apply. Cleanup narrows its listing with it. A custom storage written before this field
   * returns more sessions than asked: harmless, as cleanup checks each session again anyway.
   */
  statuses?: readonly SessionStatus[];
  /** Only sessions whose last activity is strictly before this instant. */
  inactiveBefore?: Date;
  limit: number;
  after?: ListCursor;
}

export interface SessionPage {
  sessions: SessionRecord[];
  /** Present when more sessions may follow. */
  next: ListCursor | null;
}

/** What `storage.getMemoryUsage()` reports. Backends add what they can tell in `details`. */
export interface StorageUsage {
  backend: string;
  sessions: number;
  messages: number;
  /** Bytes used by the store (heap estimate, file size, or table+index size); null if unknown. */
  bytes: number | null;
  details: Record<string, unknown>;
}

/**
 * The storage contract. Every built-in backend passes the repository's
 * `test/storage/conformance.ts` (not shipped in the package).
 *
 * Messages are an append-only log per session: `appendMessages` assigns the next sequence numbers
 * and updates the counters in one transaction, so a turn is stored whole or not at all.
 *
 * Input some backend could not keep verbatim is refused with a `ValidationError` naming the field,
 * before anything is written (`checks.ts`). A session or user id that is not storable text (NUL, a
 * lone surrogate, not a string) names no session: it is answered as absent, without a query.
 */
export interface SessionStorage {
  readonly name: string;
  /**
   * Throws `ValidationError` naming the field for a record some backend could not keep (the
   * manager's own checks, and Dates in years 0001–9999), or (field `sessionId`) if the id is taken.
   */
  createSession(record: SessionRecord): Promise<void>;
  getSession(sessionId: string): Promise<SessionRecord | null>;
  /** Returns the updated record, or null if there is no such session. */
  updateSession(sessionId: string, patch: SessionPatch): Promise<SessionRecord | null>;
  /**
   * Deletes the session and its messages. Returns false if it did not exist, or, given `known`,
   * if the session under this id is another one (made anew since the caller read it).
   */
  deleteSession(sessionId: string, known?: KnownSession): Promise<boolean>;
  /** Refuses a query with a bad field (a limit that is not a whole number, an Invalid Date…). */
  listSessions(query: SessionQuery): Promise<SessionPage>;
  /**
   * Appends messages in order, atomically, with their ids and timestamps as given.
   * Throws `SessionNotFoundError`, or `ValidationError` (field `messageId`) if an id is already
   * in the session, or naming the bad field of a message or of `counters`; nothing is written.
   */
  appendMessages(
    sessionId: string,
    messages: readonly SessionMessage[],
    counters?: TurnCounters,
  ): Promise<void>;
  /** One message, keeping its id and timestamp (used by migration). */
  addMessage(sessionId: string, message: SessionMessage): Promise<void>;
  /** Oldest first; `limit` gives the newest N, still oldest first. */
  getMessages(sessionId: string, options?: MessageQuery): Promise<SessionMessage[]>;
  /** Removes every message; token and cost totals are kept (they were spent). */
  clearMessages(sessionId: string): Promise<void>;
  getMemoryUsage(): Promise<StorageUsage>;
  close(): Promise<void>;
}

/**
 * Optional capability: a lease that serialises turns on one session across processes.
 * `acquireTurnLease` succeeds when the lease is free, expired, or already held by `holder`
 * (which renews it). `renewTurnLease` extends it only while `holder` still has it, so a holder
 * that lost it never takes it back behind another's turn. No database lock is held between calls.
 * A storage with this capability also honours `TurnCounters.leaseHolder`.
 */
export interface TurnLeaseStorage {
  acquireTurnLease(sessionId: string, holder: string, ttlMs: number): Promise<boolean>;
  renewTurnLease(sessionId: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseTurnLease(sessionId: string, holder: string): Promise<void>;
}

export function isTurnLeaseStorage(
  storage: SessionStorage,
): storage is SessionStorage & TurnLeaseStorage {
  const s = storage as Partial<TurnLeaseStorage>;
  return (
    typeof s.acquireTurnLease === "function" &&
    typeof s.renewTurnLease === "function" &&
    typeof s.releaseTurnLease === "function"
  );
}

/** What a session must still be, when cleanup acts on it, for the act to apply. */
export interface InactiveCondition {
  /** Its last activity is strictly before this instant. */
  inactiveBefore: Date;
  /** Its status is one of these; any status when absent. */
  statuses?: readonly SessionStatus[];
}

/**
 * Optional capability: archives (status "archived") or deletes (with its messages) a session
 * only if it still matches `condition` at that moment, in one atomic step, and, in a storage
 * with turn leases, only while no one holds its unexpired lease (a turn in flight in another
 * process). Returns the session as archived, or as it was when deleted; null if it was not there
 * or no longer matched. Cleanup lists sessions and then acts on each; a session that had a turn
 * in between must be spared, which only the storage can decide atomically. A storage without it
 * is served by re-reading the session just before acting, which guards against turns in this
 * process only. Any other action, or a cutoff that is no storable Date, is a `ValidationError`.
 */
export interface ConditionalCleanupStorage {
  cleanUpIfInactive(
    sessionId: string,
    action: "archive" | "delete",
    condition: InactiveCondition,
  ): Promise<SessionRecord | null>;
}

export function isConditionalCleanupStorage(
  storage: SessionStorage,
): storage is SessionStorage & ConditionalCleanupStorage {
  return typeof (storage as Partial<ConditionalCleanupStorage>).cleanUpIfInactive === "function";
}

/**
 * Optional capability: stores a turn synchronously (the in-process memory store), so that a turn
 * with a provider that answers at once (the mock) completes without a promise hop, which is most
 * of what an in-memory turn costs. The session layer calls it only with the messages it built
 * and checked for the turn, under ids it has just minted (80 random bits each), so the per-message
 * checks `appendMessages` makes for messages from elsewhere are skipped; the effects are the same.
 */
export interface SyncTurnStorage {
  appendTurnSync(
    sessionId: string,
    messages: readonly SessionMessage[],
    counters: TurnCounters,
  ): void;
}

export function isSyncTurnStorage(
  storage: SessionStorage,
): storage is SessionStorage & SyncTurnStorage {
  return typeof (storage as Partial<SyncTurnStorage>).appendTurnSync === "function";
}
