import { priceIn } from "../pricing.js";
import type { ModelPrice } from "./types.js";

// USD per million tokens, from openai.com/api/pricing (standard tier) at the time of writing.
// The manager's `pricing` option overrides or extends this table.
const PRICES: Record<string, ModelPrice> = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  // The first gpt-4o snapshot kept its launch price.
  "gpt-4o-2024-05-13": { input: 5, output: 15 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
};

/** Built-in price of an OpenAI model; a dated snapshot (`gpt-4o-2024-08-06`) uses its family's. */
export function openaiPriceOf(model: string): ModelPrice | undefined {
  return priceIn(PRICES, model);
}
