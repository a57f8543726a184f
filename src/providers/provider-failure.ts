/**
 * What a failed provider call becomes: a `ProviderError`, carrying what the API billed for it when
 * it billed anything (see `ProviderError.spent`).
 */
import { ProviderError, SessionError } from "../errors.js";
import { redact } from "../internal/redact.js";
import { isSpentAttempt } from "../reply-checks.js";
import { CREDENTIAL_KEY } from "../validate.js";
import { SECRET_HEADER } from "./client-options.js";
import { ZERO_USAGE, type SpentAttempt } from "./types.js";

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

/**
 * What a failure says the API billed for it (see `ProviderError.spent`). An attempt an adapter
 * reported with counts no storage can add up (one left undefined, text) was billed an unknown
 * amount: it counts as unpriced, with no tokens, and the turn still keeps its input.
 */
export function spentBy(failure: unknown): readonly SpentAttempt[] {
  if (!(failure instanceof ProviderError)) return [];
  const { spent } = failure;
  if (!Array.isArray(spent)) return spent ? [UNKNOWN_ATTEMPT] : [];
  return spent.every(isSpentAttempt) ? spent : spent.map(checkedAttempt);
}

const UNKNOWN_ATTEMPT: SpentAttempt = Object.freeze({ usage: ZERO_USAGE, usageUnknown: true });

function checkedAttempt(attempt: SpentAttempt): SpentAttempt {
  return isSpentAttempt(attempt) ? attempt : UNKNOWN_ATTEMPT;
}

/** Anything an adapter throws, as a `ProviderError` (a non-retryable one unless it was one). */
export function toProviderError(provider: string, failure: unknown): ProviderError {
  if (failure instanceof ProviderError) return failure;
  const aborted = (failure as Error)?.name === "AbortError";
  const message = aborted ? "the request was aborted" : failureText(failure);
  return new ProviderError(provider, message, { retryable: false, cause: scrubbedCause(failure) });
}

/** Longest text kept of a thrown object's JSON (an error body may be large). */
const MAX_TEXT = 1000;

/**
 * Whatever was thrown, as scrubbed text: an error's message; a plain object (a parsed error body,
 * an adapter's request or config) as JSON rather than "[object Object]", without what it holds
 * under a credential's name. Never throws itself: `String` does for an object without a
 * prototype, and the turn would then lose its input.
 */
export function failureText(failure: unknown): string {
  try {
    const value = (failure as Error | null | undefined)?.message ?? failure;
    if (typeof value === "string") return redact(value);
    if (!isPlainData(value)) return redact(String(value));
    // Scrubbed before the cut: a key cut in two is no longer found whole.
    const json = redact(JSON.stringify(value, withoutCredentials));
    return json.length > MAX_TEXT ? `${json.slice(0, MAX_TEXT)}…` : json;
  } catch {
    return Object.prototype.toString.call(failure);
  }
}

/**
 * A JSON replacer that blanks a value under a credential's name: a setting's (`apiKey`,
 * `password`, as `providerConfig` refuses them) or a header's (`x-api-key`, any name holding
 * key, token or secret): `redact` finds a value only if it was registered or is key-shaped.
 * An object under such a name is walked, its values blanked by their own names.
 */
function withoutCredentials(key: string, value: unknown): unknown {
  const named = CREDENTIAL_KEY.test(key) || (isHeaderValue(value) && SECRET_HEADER.test(key));
  const scalar = value !== null && (typeof value !== "object" || Array.isArray(value));
  return named && scalar ? "[redacted]" : value;
}

/** A header's value: text, or a list of texts (Node gives `set-cookie` as one). */
function isHeaderValue(value: unknown): boolean {
  return typeof value === "string" || (Array.isArray(value) && value.every(isText));
}

const isText = (v: unknown): boolean => typeof v === "string";

function isPlainData(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype || Array.isArray(value);
}

/**
 * What is kept of a failure as the cause: our own errors as they are (scrubbed already); of any
 * other error, its name, scrubbed message and `code` (a driver's "ECONNREFUSED", kept for the
 * caller to branch on). An SDK's error carries the response's headers and body, a driver's the
 * connection options, which may hold the key or password, and `console.error` prints a cause whole.
 */
export function scrubbedCause(failure: unknown): unknown {
  if (failure instanceof SessionError) return failure;
  if (!(failure instanceof Error)) return undefined; // its text is the message already
  const kept: Error & { code?: string } = new Error(redact(failure.message));
  kept.name = failure.name;
  const { code } = failure as { code?: unknown };
  if (typeof code === "string") kept.code = redact(code);
  return kept;
}
