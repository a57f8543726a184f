import type { ModelPrice } from "./providers/types.js";
import type { TokenUsage } from "./types.js";

/**
 * Cost of one turn in USD, or null when the model has no known price (never a silent 0). No
 * tokens cost nothing whatever the price. Cached and cache-written tokens are part of
 * `inputTokens` and priced at their own rates.
 */
export function turnCost(usage: TokenUsage, price: ModelPrice | undefined): number | null {
  if (usage.inputTokens + usage.outputTokens === 0) return 0;
  if (!price) return null;
  const plain = Math.max(0, usage.inputTokens - usage.cachedTokens - usage.cacheCreationTokens);
  const dollars =
    plain * price.input +
    usage.cachedTokens * (price.cachedInput ?? price.input) +
    usage.cacheCreationTokens * (price.cacheWrite ?? price.input) +
    usage.outputTokens * price.output;
  return dollars / 1_000_000;
}

/** Two counts of tokens added up. */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    cacheCreationTokens: a.cacheCreationTokens + b.cacheCreationTokens,
  };
}
