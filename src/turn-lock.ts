/**
 * Holding a session's turn: the in-process FIFO mutex, and the cross-process lease of storages
 * that have one. What sessions share with their manager lives here too.
 */
import type { ManagerConfig } from "./config.js";
import { noteWaiting, waitsForItself, type Closing } from "./internal/closing.js";
import type { Announcement } from "./internal/hooks.js";
import { ConcurrencyError, ProviderError } from "./errors.js";
import { takeLease, type LeaseOptions } from "./internal/lease.js";
import { KeyedMutex } from "./internal/mutex.js";
import { RecordVersions } from "./internal/versions.js";
import type { ProviderAdapter } from "./providers/types.js";
import { isTurnLeaseStorage } from "./storage/types.js";
import { providerInfo, readRecord, type TurnState } from "./session-record.js";
import type { SessionStorage, TurnCounters } from "./storage/types.js";
import type { SessionMessage, SessionRecord } from "./types.js";

/** What sessions share with their manager. */
export interface Runtime {
  readonly storage: SessionStorage;
  readonly config: ManagerConfig;
  readonly mutex: KeyedMutex;
  /** This manager's lease holder id. */
  readonly holder: string;
  /** Set by `close()`: no new turn starts, and streams in progress end. */
  readonly closing: Closing;
  readonly versions: RecordVersions;
  adapter(provider: string): Promise<ProviderAdapter>;
  /** The provider's adapter if it is already built, without waiting. */
  adapterNow(provider: string): ProviderAdapter | undefined;
}

const locksByStorage = new WeakMap<SessionStorage, Pick<Runtime, "mutex" | "versions">>();

/**
 * The turn lock and record versions of a storage object, shared by every manager in this process
 * that uses it: their turns on one session are serialised, and each sees the others' changes.
 * (Managers on separate objects for one database are kept in step by the storage's lease.)
 */
export function turnLocksOf(storage: SessionStorage): Pick<Runtime, "mutex" | "versions"> {
  let locks = locksByStorage.get(storage);
  if (!locks) {
    locks = { mutex: new KeyedMutex(), versions: new RecordVersions() };
    locksByStorage.set(storage, locks);
  }
  return locks;
}

/**
 * A held turn: the session as re-read under the lock, its adapter, and the lease if one was
 * taken. The adapter is null only for a turn that moves away from a provider this manager
 * cannot use (`withTurnLeaving`).
 */
export interface HeldTurn<A extends ProviderAdapter | null = ProviderAdapter> {
  record: SessionRecord;
  adapter: A;
  releaseLease: (() => Promise<void>) | null;
  /** The `Session`'s view of the record, which a change made under the turn updates. */
  state: TurnState;
  /** Hooks of this turn, run once it is released (see `announce`). */
  announced?: Announcement[];
}

/**
 * Takes the session's turn: the in-process mutex always, and the storage's cross-process lease
 * when the provider's replies depend on earlier turns. Under the mutex the record is re-read if
 * another `Session` object of this manager changed it, and under a lease always (another process
 * may have); `state` is brought up to date either way. Release with `releaseTurn`.
 *
 * The usual turn (lock free, record current, adapter built, no lease) is held synchronously:
 * an in-memory turn is a few microseconds, and each promise hop would be a sizeable part of it.
 * With `fresh`, the session is read first, so that the adapter, and whether the lease is needed,
 * follow the session as another process may have left it, and one made anew under its id is not
 * taken for it (a system message, a clear or a switch acts on provider state; a reply turn is
 * fenced instead, see `TurnCounters.ranOn`).
 */
export function acquireTurn(
  rt: Runtime,
  state: TurnState,
  needsAdapter?: true,
  signal?: AbortSignal,
  fresh?: boolean,
): HeldTurn | Promise<HeldTurn>;
export function acquireTurn(
  rt: Runtime,
  state: TurnState,
  needsAdapter: false,
  signal?: AbortSignal,
  fresh?: boolean,
): HeldTurn<ProviderAdapter | null> | Promise<HeldTurn<ProviderAdapter | null>>;
export function acquireTurn(
  rt: Runtime,
  state: TurnState,
  needsAdapter = true,
  signal?: AbortSignal,
  fresh = false,
): HeldTurn<ProviderAdapter | null> | Promise<HeldTurn<ProviderAdapter | null>> {
  const sessionId = state.record.sessionId;
  if (signal?.aborted) return Promise.reject(notStarted(state.record.provider));
  if (!rt.mutex.tryAcquire(sessionId)) {
    const key = { lock: rt.mutex, sessionId };
    if (waitsForItself(key)) return Promise.reject(selfWait(sessionId));
    const noted = noteWaiting(key);
    const acquired = rt.mutex.acquire(sessionId, signal);
    acquired.then(noted, noted);
    return acquired.then(
      () => settleTurn(rt, state, needsAdapter, signal, fresh),
      () => Promise.reject(notStarted(state.record.provider)),
    );
  }
  let held: HeldTurn | null;
  try {
    held = fresh ? null : heldAsIs(rt, state);
  } catch (error) {
    rt.mutex.release(sessionId); // an adapter's historyMode threw: the turn was never held
    throw error;
  }
  return held ?? settleTurn(rt, state, needsAdapter, signal, fresh);
}

/** The turn on the record as it is, when nothing needs reading or waiting for; else null. */
function heldAsIs(rt: Runtime, state: TurnState): HeldTurn | null {
  const { record } = state;
  if (rt.versions.of(record.sessionId) !== state.version) return null;
  const adapter = rt.adapterNow(record.provider);
  if (!adapter || (isTurnLeaseStorage(rt.storage) && keepsState(record, adapter))) return null;
  return { record, adapter, releaseLease: null, state };
}

/**
 * Whether the provider's replies depend on earlier turns (so turns need the lease); assumed of
 * a provider this manager cannot use.
 */
function keepsState(record: SessionRecord, adapter: ProviderAdapter | null): boolean {
  return !adapter || adapter.historyMode(providerInfo(record)) !== "none";
}

/** Under the mutex: re-reads what changed, takes the lease if needed; frees both on failure. */
async function settleTurn(
  rt: Runtime,
  state: TurnState,
  needsAdapter: boolean,
  signal?: AbortSignal,
  fresh = false,
): Promise<HeldTurn<ProviderAdapter | null>> {
  const sessionId = state.record.sessionId;
  const held: HeldTurn<ProviderAdapter | null> = {
    record: state.record,
    adapter: null,
    releaseLease: null,
    state,
  };
  const adapterOf = async (provider: string): Promise<ProviderAdapter | null> => {
    try {
      return await rt.adapter(provider);
    } catch (error) {
      if (needsAdapter) throw error;
      return null;
    }
  };
  try {
    signal?.throwIfAborted(); // aborted while it waited for the turns ahead of it
    const version = rt.versions.of(sessionId);
    if (fresh || version !== state.version) held.record = await readRecord(rt, state.record);
    held.adapter = await adapterOf(held.record.provider);
    if (isTurnLeaseStorage(rt.storage) && keepsState(held.record, held.adapter)) {
      held.releaseLease = await takeLease(rt.storage, sessionId, { ...leaseOptions(rt), signal });
      signal?.throwIfAborted(); // aborted while the winning attempt was on its way
      const provider = held.record.provider;
      held.record = await readRecord(rt, held.record);
      if (held.record.provider !== provider) held.adapter = await adapterOf(held.record.provider);
    }
    state.record = held.record;
    state.version = version;
    return held;
  } catch (error) {
    await releaseTurn(rt, held);
    throw signal?.aborted && error === signal.reason ? notStarted(state.record.provider) : error;
  }
}

/** A call from middleware (or code it awaits) of a turn it would wait for, or a cycle of them. */
function selfWait(sessionId: string): ConcurrencyError {
  return new ConcurrencyError(
    `session ${sessionId}: a call from middleware would wait for a turn that waits for it ` +
      "(make it from a hook, which runs once the turn is over)",
  );
}

/**
 * A turn aborted before it held the session (already aborted, or while it waited for the turns
 * ahead of it): it never started, so nothing of it is stored.
 */
export function notStarted(provider: string): ProviderError {
  return new ProviderError(provider, "the request was aborted before the turn started", {
    retryable: false,
  });
}

/** Gives the turn back: the lease (if any), then the mutex, which the next waiter takes over. */
export function releaseTurn(
  rt: Runtime,
  held: HeldTurn<ProviderAdapter | null>,
): void | Promise<void> {
  const sessionId = held.record.sessionId;
  if (!held.releaseLease) return rt.mutex.release(sessionId);
  return held.releaseLease().finally(() => rt.mutex.release(sessionId));
}

function leaseOptions(rt: Runtime): LeaseOptions {
  return { holder: rt.holder, ttlMs: rt.config.turnLeaseMs, waitMs: rt.config.turnWaitMs };
}

/**
 * Appends a turn's messages, fenced on its lease if it holds one (`TurnCounters.leaseHolder`).
 * If the lease was lost meanwhile (this process paused past `turnLeaseMs` and another took it
 * over), `afterLoss` decides: "fail" throws the `ConcurrencyError`, for what was decided on a
 * history that has since moved on (a reply, a held tool result); "retake" waits for the lease
 * again and appends after whatever ran meanwhile, for what does not depend on the history (an
 * unanswered input, a system message).
 */
export async function appendInTurn(
  rt: Runtime,
  held: HeldTurn<ProviderAdapter | null>,
  messages: readonly SessionMessage[],
  counters: TurnCounters,
  afterLoss: "fail" | "retake",
): Promise<void> {
  await appendHeld(rt, held, messages, counters, afterLoss);
  if (counters.activate) held.record.status = "active"; // as the append made it
}

async function appendHeld(
  rt: Runtime,
  held: HeldTurn<ProviderAdapter | null>,
  messages: readonly SessionMessage[],
  counters: TurnCounters,
  afterLoss: "fail" | "retake",
): Promise<void> {
  const { storage } = rt;
  const id = held.record.sessionId;
  if (!held.releaseLease || !isTurnLeaseStorage(storage)) {
    return storage.appendMessages(id, messages, counters);
  }
  counters.leaseHolder = rt.holder;
  try {
    await storage.appendMessages(id, messages, counters);
  } catch (error) {
    if (!(error instanceof ConcurrencyError) || afterLoss === "fail") throw error;
    const release = await takeLease(storage, id, leaseOptions(rt));
    try {
      await storage.appendMessages(id, messages, counters);
    } finally {
      await release();
    }
  }
}

/** Runs `fn` holding the session's turn (see `acquireTurn`). */
export async function withTurn<T>(
  rt: Runtime,
  state: TurnState,
  fn: (record: SessionRecord, adapter: ProviderAdapter, held: HeldTurn) => Promise<T>,
): Promise<T> {
  return rt.closing.run(async () =>
    holding(rt, await acquireTurn(rt, state, true, undefined, true), fn),
  );
}

/**
 * `withTurn` for a move away from the session's provider: that provider's adapter is null when
 * this manager cannot use it (not configured, e.g. a session migrated from V1, or no key).
 */
export async function withTurnLeaving<T>(
  rt: Runtime,
  state: TurnState,
  fn: (record: SessionRecord, adapter: ProviderAdapter | null) => Promise<T>,
): Promise<T> {
  return rt.closing.run(async () =>
    holding(rt, await acquireTurn(rt, state, false, undefined, true), fn),
  );
}

async function holding<A extends ProviderAdapter | null, T>(
  rt: Runtime,
  held: HeldTurn<A>,
  fn: (record: SessionRecord, adapter: A, held: HeldTurn<A>) => Promise<T>,
): Promise<T> {
  try {
    return await fn(held.record, held.adapter, held);
  } finally {
    await releaseTurn(rt, held);
  }
}

/**
 * Whether a step of the library's own is still pending (its promises are native). A property
 * look-up of `then` on each of the objects a turn passes along cost more than this check.
 */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Whether what an adapter returned is to be awaited: any thenable, as `await` takes it. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value instanceof Promise ||
    typeof (value as Partial<PromiseLike<T>> | null)?.then === "function"
  );
}
