/**
 * A signal of one call's own that aborts when `signal` does; `release` stops following it.
 * SDKs add an `abort` listener to the signal of every request they are given and leave it there:
 * a caller's long-lived signal (a server's shutdown signal, passed to every turn) would gather
 * one listener, and one request's controller, per turn.
 *
 * ```ts
 * const own = followSignal(signal);
 * try { await client.request({ signal: own.signal }) } finally { own.release() }
 * ```
 */
export function followSignal(signal: AbortSignal): { signal: AbortSignal; release: () => void } {
  const own = new AbortController();
  if (signal.aborted) {
    own.abort(signal.reason);
    return { signal: own.signal, release: () => undefined };
  }
  const abort = (): void => own.abort(signal.reason);
  signal.addEventListener("abort", abort, { once: true });
  return { signal: own.signal, release: () => signal.removeEventListener("abort", abort) };
}

/**
 * `work`'s outcome, or `refusal()` as soon as `signal` aborts (at once if it has): the caller
 * stops waiting for work that may never settle. `work` goes on in the background; a rejection
 * then is handled here rather than reported as unhandled.
 */
export function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  refusal: () => Error,
): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(refusal());
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}
