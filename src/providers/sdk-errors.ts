import { ProviderError } from "../errors.js";

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
  if (error instanceof sdk.APIUserAbortError || (error as Error)?.name === "AbortError") {
    return new ProviderError(provider, "the request was aborted", { retryable: false });
  }
  if (error instanceof sdk.APIConnectionTimeoutError) {
    return new ProviderError(provider, "the request timed out", { retryable: true });
  }
  if (error instanceof sdk.APIConnectionError) {
    return new ProviderError(provider, `connection failed: ${error.message}`, { retryable: true });
  }
  if (error instanceof sdk.APIError) return fromApiError(provider, error);
  if (clientSide && error instanceof clientSide) {
    return new ProviderError(provider, error.message, { retryable: false });
  }
  // A stream cut mid-way surfaces from fetch as a bare error ("terminated").
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(provider, `connection lost: ${message}`, { retryable: true });
}
