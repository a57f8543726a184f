/**
 * How long an aborted run still waits for the storage call it is at, in ms. A target that
 * answers, only slowly (a big session on a remote Postgres), finishes the write it started, and
 * the report must count what the target then holds; only a target that does not answer within
 * this time (a server that accepts the connection and never replies) is given up on.
 */
export const ABORT_GRACE_MS = 3000;

/**
 * `work`'s outcome, also when the signal aborts while it runs, as long as it settles within
 * `ABORT_GRACE_MS` of the abort; else a rejection with the signal's reason. Checking the signal
 * between sessions is not enough: a Postgres server that accepts the connection and never answers
 * leaves a storage call pending for good (pg has no timeout of its own there). The call left
 * behind settles in the background, unobserved: its rejection is handled here, so it is never
 * reported as unhandled.
 *
 * ```ts
 * const outcome = await untilAborted(writeConverted(storage, c), signal);
 * ```
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      timer = setTimeout(() => reject(signal.reason), ABORT_GRACE_MS);
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    work
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        signal.removeEventListener("abort", stop);
      })
      .catch(() => undefined);
  });
}
