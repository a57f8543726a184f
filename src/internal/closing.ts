/**
 * A manager's closing: turns check `closed` before they start, and streams in progress are told.
 * (An AbortController would do, at several microseconds per manager made and closed.)
 */
export class Closing {
  closed = false;
  readonly #listeners = new Set<() => void>();

  /** Calls `fn` once when the manager closes; returns what stops listening. */
  listen(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.#listeners) fn();
    this.#listeners.clear();
  }
}
