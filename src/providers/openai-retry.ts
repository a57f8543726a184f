import type OpenAI from "openai";
import type { OpenAIConnection } from "./openai-shared.js";
import type { ProviderSessionInfo } from "./types.js";

/*
 * The openai SDK (6.x) waits out a retryable answer's `retry-after` in full, with no upper bound
 * and without looking at the caller's signal: a 429 saying `retry-after: 3600` would hold the
 * session's turn for an hour, and neither an abort nor `manager.close()` could end it. Two
 * bounds fix that: the caller's signal settles the call at once, and a wait longer than the
 * request's own timeout is not taken at all. The second needs the client's fetch, so it holds for
 * a client the adapter built only: a caller's own `client` is not rebuilt (`withOptions` would
 * drop a wrapper or a subclass around it) and keeps the SDK's waits.
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
 * The header that carries a session's own request timeout (`providerConfig.timeout`) to
 * `boundedRetryFetch`, in milliseconds; it is taken off before the request is sent. (The SDK's
 * `X-Stainless-Timeout` is whole seconds: half a second reads 0.)
 */
export const TIMEOUT_HEADER = "x-langswarm-timeout-ms";

/**
 * Per-request SDK options: the caller's signal and the session's `providerConfig.timeout` (s).
 * The timeout goes to `boundedRetryFetch` too, in `TIMEOUT_HEADER`, when the client has that
 * fetch: a caller's own `client` would send the header on to the server.
 */
export function requestOptions(
  conn: OpenAIConnection,
  session: ProviderSessionInfo,
  signal: AbortSignal | undefined,
): OpenAI.RequestOptions {
  const options: OpenAI.RequestOptions = {};
  if (signal) options.signal = signal;
  const timeout = session.providerConfig.timeout;
  if (typeof timeout === "number" && timeout > 0) {
    options.timeout = timeout * 1000;
    if (conn.ownFetch) options.headers = { [TIMEOUT_HEADER]: String(options.timeout) };
  }
  return options;
}

/**
 * A `fetch` that marks an error answer asking for a wait longer than the request's timeout as
 * not to be retried (`x-should-retry: false`, which the SDK obeys): the error is raised at once,
 * retryable, so the caller or a fallback decides, instead of the SDK sleeping it out. The timeout
 * is the session's own (`TIMEOUT_HEADER`), else the client's, `defaultTimeoutMs`.
 */
export function boundedRetryFetch(base: typeof fetch, defaultTimeoutMs: number): typeof fetch {
  return async (input, given) => {
    const { init, timeoutMs } = withoutTimeoutHeader(given, defaultTimeoutMs);
    const response = await base(input, init);
    if (response.ok) return response;
    const wait = retryAfterMs(response.headers);
    if (wait === null || wait <= timeoutMs) return response;
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

function withoutTimeoutHeader(
  init: RequestInit | undefined,
  fallback: number,
): { init: RequestInit | undefined; timeoutMs: number } {
  const headers = new Headers(init?.headers);
  const given = headers.get(TIMEOUT_HEADER);
  if (given === null) return { init, timeoutMs: fallback };
  headers.delete(TIMEOUT_HEADER);
  return { init: { ...init, headers }, timeoutMs: Number(given) };
}
