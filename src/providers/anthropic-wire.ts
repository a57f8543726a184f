import type Anthropic from "@anthropic-ai/sdk";
import { ProviderError } from "../errors.js";
import { mapSdkError } from "./sdk-errors.js";
import { priceIn } from "../pricing.js";
import type { ModelPrice, ProviderUsage } from "./types.js";

/** The SDK's error classes, passed in so that this module never loads the SDK itself. */
export type AnthropicSdk = typeof Anthropic;

type UsageCounts = Pick<
  Anthropic.Usage,
  | "input_tokens"
  | "output_tokens"
  | "cache_read_input_tokens"
  | "cache_creation_input_tokens"
  | "cache_creation"
>;

/**
 * The API's `input_tokens` counts only what follows the last cache breakpoint; the library's
 * `inputTokens` is the whole prompt, so cache reads and writes are added back in. Writes to a
 * 1-hour cache cost more than 5-minute ones, so their share is kept for pricing (only when there
 * are any: the usual usage keeps the four stored counts alone).
 */
export function toUsage(usage: Partial<UsageCounts> | null | undefined): ProviderUsage {
  const read = usage?.cache_read_input_tokens ?? 0;
  const written = usage?.cache_creation_input_tokens ?? 0;
  const out: ProviderUsage = {
    inputTokens: (usage?.input_tokens ?? 0) + read + written,
    outputTokens: usage?.output_tokens ?? 0,
    cachedTokens: read,
    cacheCreationTokens: written,
  };
  const hour = usage?.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  if (hour > 0) out.cacheCreation1hTokens = hour;
  return out;
}

// In-band stream errors carry no status; these types mean "try again later".
const RETRYABLE_TYPES = new Set([
  "overloaded_error",
  "api_error",
  "rate_limit_error",
  "timeout_error",
]);

/** Maps anything the SDK throws to a `ProviderError` (see `mapSdkError`). */
export function toProviderError(
  provider: string,
  sdk: AnthropicSdk,
  error: unknown,
): ProviderError {
  return mapSdkError(provider, sdk, error, fromApiError, sdk.AnthropicError);
}

function fromApiError(
  provider: string,
  error: InstanceType<AnthropicSdk["APIError"]>,
): ProviderError {
  const status = typeof error.status === "number" ? error.status : null;
  const type = error.type ?? "";
  const text = error.apiMessage ?? error.message;
  const request = error.requestID ? ` (request ${error.requestID})` : "";
  const retryable =
    status === null
      ? RETRYABLE_TYPES.has(type)
      : status === 408 || status === 409 || status === 429 || status >= 500;
  const prefix = [status, type && `${type}:`].filter(Boolean).join(" ");
  return new ProviderError(provider, `${prefix ? `${prefix} ` : ""}${text}${request}`, {
    status,
    retryable,
  });
}

// USD per million tokens from Anthropic's pricing page (standard tier, 2026-11). `cacheWrite` is
// the 5-minute cache write (1.25x input), the TTL the API uses unless a block asks for 1 hour;
// 1-hour writes cost 2x input, turnCost's default for `cacheWrite1h`.
const opus = { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 };
const sonnet4 = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
const frontier = { input: 10, output: 50, cacheWrite: 12.5 };
const haiku55 = { input: 0.1, output: 0.5, cachedInput: 0.01, cacheWrite: 0.125 };
const PRICES: Record<string, ModelPrice> = {
  "claude-fable-5-1": { ...frontier, cachedInput: 0.25 },
  "claude-mythos-5-1": { ...frontier, cachedInput: 0.25 },
  "claude-fable-5": { ...frontier, cachedInput: 1 },
  "claude-mythos-5": { ...frontier, cachedInput: 1 },
  "claude-opus-5-5": { input: 4, output: 20, cachedInput: 0.2, cacheWrite: 5 },
  "claude-opus-5": opus,
  "claude-opus-4-8": opus,
  "claude-opus-4-7": opus,
  "claude-opus-4-6": opus,
  "claude-opus-4-5": opus,
  "claude-sonnet-5-5": { input: 2, output: 10, cachedInput: 0.1, cacheWrite: 2.5 },
  "claude-sonnet-5": { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5 },
  "claude-sonnet-4-6": sonnet4,
  "claude-sonnet-4-5": sonnet4,
  "claude-haiku-5-5": {
    ...haiku55,
    longContext: { inputTokensOver: 100_000, price: times(haiku55, 5) },
  },
  "claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
};

/** Built-in price of a Claude model; a dated id (`claude-haiku-4-5-20251001`) uses its family's. */
export function anthropicPriceOf(model: string): ModelPrice | undefined {
  return priceIn(PRICES, model);
}

/** A price with every rate `k` times as high (Haiku 5.5's long prompts). */
function times(
  price: Required<Pick<ModelPrice, "input" | "output" | "cachedInput" | "cacheWrite">>,
  k: number,
) {
  const { input, output, cachedInput, cacheWrite } = price;
  return {
    input: input * k,
    output: output * k,
    cachedInput: cachedInput * k,
    cacheWrite: cacheWrite * k,
  };
}
