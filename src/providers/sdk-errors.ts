import { ProviderError } from "../errors.js";
import { StreamStalledError } from "./stall.js";

type ErrorClass<T extends Error = Error> = abstract new (...args: never[]) => T;

/** The error classes that both official SDKs (OpenAI, Anthropic) export under the same names. */
export interface SdkErrorClasses<E extends Error> {
  APIUserAbortError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIError: ErrorClass<E>;
}

/**
 * Maps anything an SDK throws to a `ProviderError`. The SDK has already retried what it retries
 * (408/409/429/5xx, connection errors, timeouts), so `retryable` tells a fallback chain whether
 * another attempt may succeed. SDK errors are not kept as `cause`: their message and headers may
 * quote credentials, and `ProviderError` scrubs only its own message. `fromApiError` reads the
 * provider's own error body; `clientSide` is the SDK's base error class, raised before any
 * request (bad parameters), which retrying cannot help.
 */
export function mapSdkError<E extends Error>(
  provider: string,
  sdk: SdkErrorClasses<E>,
  error: unknown,
  fromApiError: (provider: string, error: E) => ProviderError,
  clientSide?: ErrorClass,
): ProviderError {
  if (error instanceof ProviderError) return error;
  const is = (name: keyof SdkErrorClasses<E>): boolean =>
    error instanceof sdk[name] || hasClassName(error, name);
  if (is("APIUserAbortError") || (error as Error)?.name === "AbortError") {
    return new ProviderError(provider, "the request was aborted", {
      retryable: false,
      cause: error,
    });
  }
  if (error instanceof StreamStalledError) {
    return new ProviderError(provider, error.message, { retryable: true });
  }
  if (is("APIConnectionTimeoutError")) {
    return new ProviderError(provider, "the request timed out", { retryable: true, cause: error });
  }
  if (is("APIConnectionError")) {
    return new ProviderError(provider, `connection failed: ${(error as Error).message}`, {
      retryable: true,
    });
  }
  if (error instanceof sdk.APIError || isForeignApiError(error))
    return fromApiError(provider, error as E);
  if (clientSide && (error instanceof clientSide || hasClassName(error, clientSide.name))) {
    return new ProviderError(provider, (error as Error).message, { retryable: false });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectionLoss(error)) {
    return new ProviderError(provider, `connection lost: ${message}`, { retryable: true });
  }
  // Anything else is a bug or a refusal in code, not the network: another try would fail alike.
  return new ProviderError(provider, message, { retryable: false });
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/**
 * A stream cut mid-way surfaces from fetch as a bare `TypeError` ("terminated", "fetch failed"),
 * or as an error with a socket error code on it or on its cause.
 */
function isConnectionLoss(error: unknown): boolean {
  type Cause = { code?: unknown; cause?: unknown; name?: unknown; message?: unknown } | undefined;
  let e = error as Cause;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as Cause) {
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
    if (e.name === "TypeError" && /^(terminated|fetch failed)$/.test(String(e.message))) {
      return true;
    }
  }
  return false;
}

/**
 * A user-supplied client may come from another copy of the SDK, whose classes fail `instanceof`:
 * such errors are recognised by the class names on their prototype chain.
 */
function hasClassName(error: unknown, name: string): boolean {
  for (let p = error as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
    if ((p as { constructor?: { name?: unknown } }).constructor?.name === name) return true;
  }
  return false;
}

/** An `APIError` of another SDK copy, or any error that carries an HTTP status (a wrapped client). */
function isForeignApiError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { status?: unknown }).status;
  const http = typeof status === "number" && status >= 400 && status <= 599;
  return http || hasClassName(error, "APIError");
}
