/**
 * Per-key FIFO mutex: holders of the same key run one at a time, in request order.
 * Keys with nothing queued are forgotten, so the map does not grow with the number of sessions.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for the key and returns the function that releases it. */
  acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key);
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => current) : current;
    this.#tails.set(key, tail);
    const unlock = (): void => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
    // Uncontended (the usual case) costs no extra promise hop.
    return previous ? previous.then(() => unlock) : Promise.resolve(unlock);
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
