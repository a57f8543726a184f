/**
 * What a failed provider call becomes: a `ProviderError`, carrying what the API billed for it when
 * it billed anything (see `ProviderError.spent`).
 */
import { ProviderError, SessionError } from "../errors.js";
import { redact } from "../internal/redact.js";
import type { SpentAttempt } from "./types.js";

/**
 * The error, carrying what the API billed for the call (in place of any it carried); itself
 * when nothing was billed.
 */
export function withSpent(error: ProviderError, spent: readonly SpentAttempt[]): ProviderError {
  if (spent.length === 0) return error;
  // The message is scrubbed and prefixed already: keep it as it is, not prefixed twice.
  const prefix = `[session] [${error.provider}] `;
  const text = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  const { status, retryable, cause } = error;
  const billed = new ProviderError(error.provider, text, { status, retryable, cause, spent });
  if (error.stack) billed.stack = error.stack;
  return billed;
}

/** What a failure says the API billed for it (see `ProviderError.spent`). */
export function spentBy(failure: unknown): readonly SpentAttempt[] {
  return failure instanceof ProviderError ? failure.spent : [];
}

/** Anything an adapter throws, as a `ProviderError` (a non-retryable one unless it was one). */
export function toProviderError(provider: string, failure: unknown): ProviderError {
  if (failure instanceof ProviderError) return failure;
  const aborted = (failure as Error)?.name === "AbortError";
  const message = aborted
    ? "the request was aborted"
    : String((failure as Error)?.message ?? failure);
  return new ProviderError(provider, message, { retryable: false, cause: scrubbed(failure) });
}

/**
 * What is kept of a failure as the cause: our own errors as they are (scrubbed already); of any
 * other error, its name and scrubbed message only. An SDK's error carries the response's headers and
 * body, which may echo the key, and `console.error` prints a cause whole.
 */
function scrubbed(failure: unknown): unknown {
  if (failure instanceof SessionError) return failure;
  if (!(failure instanceof Error)) return undefined; // its text is the message already
  const kept = new Error(redact(failure.message));
  kept.name = failure.name;
  return kept;
}
