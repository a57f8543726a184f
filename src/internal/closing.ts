import { StorageError } from "../errors.js";

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
  #idle: Array<() => void> = [];
  readonly #listeners = new Set<() => void>();

  constructor(readonly storageName: string) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** A call starts; refused (`StorageError`) once the manager is closed. */
  enter(): void {
    if (this.#closed) throw new StorageError(this.storageName, "the manager is closed");
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
    if (--this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
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

  /** Closes: tells the listeners, and resolves once every call that entered has left. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const fn of this.#listeners) fn();
      this.#listeners.clear();
    }
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
