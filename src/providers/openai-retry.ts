import type OpenAI from "openai";

/*
 * The openai SDK (6.x) waits out a retryable answer's `retry-after` in full, with no upper bound
 * and without looking at the caller's signal: a 429 saying `retry-after: 3600` would hold the
 * session's turn for an hour, and neither an abort nor `manager.close()` could end it. Two
 * bounds fix that: the caller's signal settles the call at once, and a wait longer than the
 * request's own timeout is not taken at all.
 */

/**
 * Settles as `call` does, or rejects with the SDK's `APIUserAbortError` (mapped like any abort)
 * as soon as `signal` aborts, even while the SDK sleeps before a retry. The SDK's own promise is
 * then left to end by itself (its next attempt sees the aborted signal); its rejection is handled
 * here, so it is never reported as unhandled.
 */
export function untilAborted<T>(
  sdk: typeof OpenAI,
  call: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (!signal) return call;
  call.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new sdk.APIUserAbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new sdk.APIUserAbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    call.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A `fetch` that marks an error answer asking for a wait longer than the request's timeout as
 * not to be retried (`x-should-retry: false`, which the SDK obeys): the error is raised at once,
 * retryable, so the caller or a fallback decides, instead of the SDK sleeping it out. The timeout
 * is the one the SDK sends with each request (`X-Stainless-Timeout`, seconds; a session's own
 * `timeout` included), else `defaultTimeoutMs`.
 */
export function boundedRetryFetch(base: typeof fetch, defaultTimeoutMs: number): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.ok) return response;
    const wait = retryAfterMs(response.headers);
    if (wait === null || wait <= requestTimeoutMs(init, defaultTimeoutMs)) return response;
    const headers = new Headers(response.headers);
    headers.set("x-should-retry", "false");
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

/** The wait an answer asks for, read as the SDK reads it (`retry-after-ms` first), or null. */
export function retryAfterMs(headers: Headers): number | null {
  // As in the SDK, a `retry-after-ms` of 0 defers to `retry-after`.
  const ms = parseFloat(headers.get("retry-after-ms") ?? "");
  if (!Number.isNaN(ms) && ms !== 0) return ms;
  const after = headers.get("retry-after");
  if (!after) return null;
  const seconds = parseFloat(after);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? null : date - Date.now();
}

function requestTimeoutMs(init: RequestInit | undefined, fallback: number): number {
  const seconds = Number(new Headers(init?.headers).get("x-stainless-timeout"));
  return seconds > 0 ? seconds * 1000 : fallback;
}
