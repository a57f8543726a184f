import { AsyncLocalStorage } from "node:async_hooks";
import { StorageError } from "../errors.js";

/** A hook running (see `Closing.hook`): whose call runs it, and the hooks it runs within. */
interface HookFrame {
  readonly closing: Closing;
  readonly parent: HookFrame | undefined;
  running: boolean;
}

/**
 * The hooks the current code runs within. Set only while a hook runs, and disabled while none
 * does: an enabled AsyncLocalStorage slows every promise of the process, turns included.
 */
const hookFrames = new AsyncLocalStorage<HookFrame>();
let hooksRunning = 0;

/** A `close()` waiting: for every call but those running the hooks it was called from. */
interface Waiter {
  readonly own: readonly HookFrame[];
  readonly resolve: () => void;
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
  #idle: Waiter[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(readonly storageName: string) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** What a call is refused with once the manager is closed. */
  refusal(): StorageError {
    return new StorageError(this.storageName, "the manager is closed");
  }

  /** A call starts; refused (`StorageError`) once the manager is closed. */
  enter(): void {
    if (this.#closed) throw this.refusal();
    this.#running++;
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
  }

  /**
   * Runs a hook of a call of this manager. A `close()` awaited in it must not wait for that
   * call, which waits for the hook: the hook's frame tells `close()` which calls to leave out.
   */
  async hook(fn: () => unknown): Promise<void> {
    // Only hooks still running matter to close(): a turn started from a hook that has ended
    // would otherwise link every later hook to all earlier ones, a chain without end.
    let parent = hookFrames.getStore();
    while (parent && !parent.running) parent = parent.parent;
    const frame: HookFrame = { closing: this, parent, running: true };
    hooksRunning++;
    try {
      await hookFrames.run(frame, fn);
    } finally {
      frame.running = false;
      if (--hooksRunning === 0) hookFrames.disable();
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
   * those running the hooks it is called from (which would wait for it in turn).
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const fn of this.#listeners) fn();
      this.#listeners.clear();
    }
    const own: HookFrame[] = [];
    for (let f = hookFrames.getStore(); f; f = f.parent) if (f.closing === this) own.push(f);
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
    for (const waiter of this.#idle.splice(0)) waiter.resolve();
  }
}

/** Throws the first failure among settled calls, if any (what failed to close, say). */
export function throwFirst(settled: readonly PromiseSettledResult<unknown>[]): void {
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
}
