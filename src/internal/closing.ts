import { AsyncLocalStorage } from "node:async_hooks";
import { StorageError } from "../errors.js";

/** A hook or middleware running (see `Closing.hook`): whose call runs it, and what it runs within. */
interface HookFrame {
  readonly closing: Closing;
  readonly parent: HookFrame | undefined;
  /** The session turn its call holds while it runs (middleware runs inside the turn). */
  readonly holds: TurnKey | undefined;
  /** The turns its code waits for (see `waitsForItself`): one entry per wait. */
  readonly waitsFor: TurnKey[];
  running: boolean;
}

/** A session's turn: its key in a turn lock. */
export interface TurnKey {
  readonly lock: object;
  readonly sessionId: string;
}

/**
 * The hooks the current code runs within. Set only while a hook runs, and disabled while none
 * does: an enabled AsyncLocalStorage slows every promise of the process, turns included.
 */
const hookFrames = new AsyncLocalStorage<HookFrame>();
let hooksRunning = 0;
/** The running middleware frame that holds each turn, by lock and session. */
const holders = new WeakMap<object, Map<string, HookFrame>>();

function holdersOf(lock: object): Map<string, HookFrame> {
  let map = holders.get(lock);
  if (!map) holders.set(lock, (map = new Map()));
  return map;
}

/** A `close()` waiting: for every call but those running the hooks it was called from. */
interface Waiter {
  readonly own: readonly HookFrame[];
  /** Resolved with whether calls were left out (`close()` was called from their hooks). */
  readonly resolve: (leftOut: boolean) => void;
}

/**
 * A manager's closing: calls that write to the session store (turns, cleanups, creating,
 * archiving, deleting, context updates) enter and leave, so that `close()` waits for those of
 * this manager alone, hooks included; none enters once it is closed; and streams in progress are
 * told, so that a paused reader cannot hold `close()` up.
 * (An AbortController would do the telling, at several microseconds per manager.)
 */
export class Closing {
  #closed = false;
  #running = 0;
  #admitting = 0;
  #idle: Waiter[] = [];
  /** Resolves once closed and every call has left, hooks' own calls included. */
  readonly #drainers: Array<() => void> = [];
  readonly #listeners = new Set<() => void>();

  constructor(readonly storageName: string) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** What a call is refused with once the manager is closed. */
  refusal(): StorageError {
    return new StorageError(this.storageName, "the manager is closed");
  }

  /** A call starts; refused (`StorageError`) once the manager is closed (but see `admit`). */
  enter(): void {
    if (this.#closed && this.#admitting === 0) throw this.refusal();
    this.#running++;
  }

  /**
   * Runs `fn`, in which a call may enter even once closed: for a call that entered before and
   * goes on through another (a V1 view's change, through the V2 session it migrated to).
   */
  admit<T>(fn: () => T): T {
    this.#admitting++;
    try {
      return fn();
    } finally {
      this.#admitting--;
    }
  }

  /** Runs a call that `close()` waits for (see `enter`). */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await call();
    } finally {
      this.leave();
    }
  }

  leave(): void {
    this.#running--;
    if (this.#idle.length !== 0) this.#wake();
    if (this.#running === 0 && this.#drainers.length) for (const r of this.#drainers.splice(0)) r();
  }

  /**
   * Runs a hook (or middleware, which `holds` its call's session turn) of a call of this manager.
   * A `close()` awaited in it must not wait for that call, which waits for the hook: the hook's
   * frame tells `close()` which calls to leave out, and a call that would wait for the turn the
   * middleware runs in that it holds (see `waitsForItself`).
   */
  async hook<T>(fn: () => T | Promise<T>, holds?: TurnKey, signal?: AbortSignal): Promise<T> {
    // Only hooks still running matter to close(): a turn started from a hook that has ended
    // would otherwise link every later hook to all earlier ones, a chain without end.
    let parent = hookFrames.getStore();
    while (parent && !parent.running) parent = parent.parent;
    // A call that stopped waiting before its middleware began does not run it (nor hold a turn).
    signal?.throwIfAborted();
    const frame: HookFrame = { closing: this, parent, holds, waitsFor: [], running: true };
    if (holds) holdersOf(holds.lock).set(holds.sessionId, frame);
    hooksRunning++;
    // Ended when it returns, or when its call stops waiting for it (`signal`): one that never
    // returns must not keep the AsyncLocalStorage enabled for good.
    const end = (): void => {
      if (!frame.running) return;
      frame.running = false;
      const map = holds && holdersOf(holds.lock);
      if (map?.get(holds!.sessionId) === frame) map.delete(holds!.sessionId);
      if (--hooksRunning === 0) hookFrames.disable();
    };
    signal?.addEventListener("abort", end, { once: true });
    try {
      return await hookFrames.run(frame, fn);
    } finally {
      signal?.removeEventListener("abort", end);
      end();
    }
  }

  /** Calls `fn` once the manager closes (at once if it has); returns what stops listening. */
  listen(fn: () => void): () => void {
    if (this.#closed) {
      fn();
      return () => undefined;
    }
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Closes: tells the listeners, and resolves once every call that entered has left, but for
   * those running the hooks it is called from (which would wait for it in turn): with whether
   * any were left out (see `drained`).
   */
  close(): Promise<boolean> {
    if (!this.#closed) {
      this.#closed = true;
      for (const fn of this.#listeners) fn();
      this.#listeners.clear();
    }
    const own: HookFrame[] = [];
    for (let f = hookFrames.getStore(); f; f = f.parent) if (f.closing === this) own.push(f);
    // From middleware: any call may be queued behind the turn it runs in, so none is waited for.
    if (own.some((f) => f.running && f.holds)) return Promise.resolve(this.#running > 0);
    return new Promise((resolve) => {
      this.#idle.push({ own, resolve });
      this.#wake();
    });
  }

  /**
   * Resolves the waiters once every call has left but those parked in a hook that awaits
   * `close()`: judged for all waiters together, since two such hooks each wait for the other's
   * call. A hook that ended no longer counts.
   */
  #wake(): void {
    const parked = new Set<HookFrame>();
    for (const waiter of this.#idle) for (const f of waiter.own) if (f.running) parked.add(f);
    if (this.#running > parked.size) return;
    // A close() from a hook resolves now, its own calls going on; one from outside only once
    // no call is left.
    const leftOut = this.#running > 0;
    this.#idle = this.#idle.filter((waiter) => {
      if (leftOut && !waiter.own.some((f) => f.running)) return true;
      waiter.resolve(leftOut);
      return false;
    });
  }

  /**
   * Resolves once closed and every call has left, those a `close()` from a hook left out too:
   * what they still do may need the storage (an ancestor hook that did not await the turn whose
   * hook closed).
   */
  drained(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }
}

/**
 * Whether waiting for this turn would wait for itself: the code running now is middleware (or
 * code it awaits) of the call holding it, or of a call that the holder's middleware waits for in
 * turn (two sessions' middleware calling each other).
 */
export function waitsForItself(key: TurnKey): boolean {
  const mine = new Set<HookFrame>();
  for (let f = hookFrames.getStore(); f; f = f.parent) if (f.running) mine.add(f);
  if (mine.size === 0) return false;
  const seen = new Set<HookFrame>();
  const keys = [key];
  for (let next = keys.pop(); next; next = keys.pop()) {
    const holder = holders.get(next.lock)?.get(next.sessionId);
    if (!holder || seen.has(holder)) continue;
    if (mine.has(holder)) return true;
    seen.add(holder);
    keys.push(...holder.waitsFor);
  }
  return false;
}

/**
 * Notes that the middleware the code runs in waits for `key` (a fresh object per wait); returns
 * what ends the note. A call the middleware started without awaiting it counts as awaited: it
 * cannot be told apart.
 */
export function noteWaiting(key: TurnKey): () => void {
  const frames: HookFrame[] = [];
  for (let f = hookFrames.getStore(); f; f = f.parent) {
    if (f.running && f.holds) {
      f.waitsFor.push(key);
      frames.push(f);
    }
  }
  return () => {
    for (const f of frames) f.waitsFor.splice(f.waitsFor.indexOf(key) >>> 0, 1);
  };
}

/** Throws the first failure among settled calls, if any (what failed to close, say). */
export function throwFirst(settled: readonly PromiseSettledResult<unknown>[]): void {
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
}
