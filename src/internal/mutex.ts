/** The value of a key that nobody holds but that is kept, so the next holder only updates it. */
const FREE = 0;
// Free keys are dropped in one sweep once this many have gathered: bounded, and no map churn per turn.
const SWEEP_AT = 1024;

/**
 * Per-key FIFO mutex: holders of the same key run one at a time, in request order. A free key is
 * taken synchronously (`tryAcquire`), so the usual, uncontended turn costs no promise at all.
 */
export class KeyedMutex {
  // null while held by one; an array of waiters once someone waits; FREE when released.
  readonly #keys = new Map<string, Array<() => void> | null | typeof FREE>();
  /** Told once when someone starts to wait for the key (see `watch`). */
  readonly #watchers = new Map<string, () => void>();
  #free = 0;

  /** Takes the key if it is free; true when taken. */
  tryAcquire(key: string): boolean {
    const state = this.#keys.get(key);
    if (state === FREE) this.#free--;
    else if (state !== undefined) return false;
    this.#keys.set(key, null);
    return true;
  }

  /**
   * Takes the key, waiting behind earlier holders. Aborting `signal` while it waits leaves the
   * queue and rejects with the signal's reason.
   */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let waiters = this.#keys.get(key);
      if (!waiters) this.#keys.set(key, (waiters = []));
      const queue = waiters;
      const leave = (): void => {
        const at = queue.indexOf(take);
        if (at >= 0) queue.splice(at, 1);
        reject(signal!.reason);
      };
      const take = (): void => {
        signal?.removeEventListener("abort", leave);
        resolve();
      };
      queue.push(take);
      signal?.addEventListener("abort", leave, { once: true });
      const watcher = this.#watchers.get(key);
      if (watcher) {
        this.#watchers.delete(key);
        watcher();
      }
    });
  }

  /**
   * Calls `fn` once, when someone waits for `key` (at once if someone does): the holder may then
   * stop holding back. Returns what stops the watch.
   */
  watch(key: string, fn: () => void): () => void {
    const state = this.#keys.get(key);
    // A key handed over from its queue keeps the (perhaps emptied) queue: only waiters count.
    if (Array.isArray(state) && state.length > 0) {
      fn();
      return () => undefined;
    }
    this.#watchers.set(key, fn);
    return () => {
      if (this.#watchers.get(key) === fn) this.#watchers.delete(key);
    };
  }

  /** Hands the key to the next waiter (it stays held, so nobody can cut in), or frees it. */
  release(key: string): void {
    const next = (this.#keys.get(key) || undefined)?.shift();
    if (next) return next();
    this.#keys.set(key, FREE);
    if (++this.#free >= SWEEP_AT) this.#sweep();
  }

  #sweep(): void {
    for (const [key, state] of this.#keys) if (state === FREE) this.#keys.delete(key);
    this.#free = 0;
  }
}
