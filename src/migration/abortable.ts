/**
 * `work`'s outcome, or a rejection with the signal's reason as soon as the signal aborts,
 * whichever comes first. Checking the signal between sessions is not enough: a Postgres server
 * that accepts the connection and never answers leaves a storage call pending for good (pg has
 * no timeout of its own there). The call left behind settles in the background, unobserved: its
 * rejection is handled here, so it is never reported as unhandled.
 *
 * ```ts
 * const outcome = await untilAborted(writeConverted(storage, c), signal);
 * ```
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    work
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", stop))
      .catch(() => undefined);
  });
}
