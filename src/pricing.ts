import type { ModelPrice, ProviderUsage } from "./providers/types.js";
import type { TokenUsage } from "./types.js";

/**
 * Cost of one turn in USD, or null when the model has no known price (never a silent 0). No
 * tokens cost nothing whatever the price. Cached and cache-written tokens are part of
 * `inputTokens` and priced at their own rates; a prompt over the price's `longContext` threshold
 * is priced at that tier's rates (the whole turn, as the provider bills it).
 */
export function turnCost(usage: ProviderUsage, price: ModelPrice | undefined): number | null {
  if (usage.inputTokens + usage.outputTokens === 0) return 0;
  if (!price) return null;
  const tier = price.longContext;
  const rates = tier && usage.inputTokens > tier.inputTokensOver ? tier.price : price;
  const written = usage.cacheCreationTokens;
  const hour = hourWrites(usage.cacheCreation1hTokens, written);
  const plain = Math.max(0, usage.inputTokens - usage.cachedTokens - written);
  const dollars =
    plain * rates.input +
    usage.cachedTokens * (rates.cachedInput ?? rates.input) +
    (written - hour) * (rates.cacheWrite ?? rates.input) +
    // Anthropic bills a 1-hour cache write at twice the input rate (only it reports them).
    hour * (rates.cacheWrite1h ?? 2 * rates.input) +
    usage.outputTokens * rates.output;
  return dollars / 1_000_000;
}

/** The 1-hour part of the cache writes: a custom adapter's stray value never exceeds them. */
function hourWrites(reported: number | undefined, written: number): number {
  if (reported === undefined) return 0; // the usual turn: nothing more to check
  return Number.isFinite(reported) && reported > 0 ? Math.min(reported, written) : 0;
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

// A snapshot's date: OpenAI's `-2024-08-06`, Anthropic's `-20250805`.
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8})$/;

/**
 * The family id of a dated snapshot (`gpt-4o-2024-08-06` → `gpt-4o`,
 * `claude-opus-4-1-20250805` → `claude-opus-4-1`); any other id as it is. Every price table
 * (the built-in ones and the user's `pricing`) falls back to it, so they agree on what a
 * family is.
 */
export function modelFamily(model: string): string {
  return model.replace(DATE_SUFFIX, "");
}

/** A table's price for a model: its own entry, else its family's (see `modelFamily`). */
export function priceIn(
  table: Readonly<Record<string, ModelPrice>>,
  model: string,
): ModelPrice | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const family = modelFamily(model);
  return family !== model && Object.hasOwn(table, family) ? table[family] : undefined;
}
