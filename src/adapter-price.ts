/**
 * An adapter's price for a model (`ProviderAdapter.priceOf`), checked as the `pricing` option is:
 * a misspelt or missing rate (`{ inputs: 0.5 }` from a JSON file) would make every cost NaN, which
 * one backend keeps for good and another refuses, dropping the turn.
 */
import { ModelPriceSchema } from "./config.js";
import { redact } from "./internal/redact.js";
import { failureText } from "./providers/provider-failure.js";
import type { ModelPrice, ProviderAdapter } from "./providers/types.js";

/**
 * Whether each price object an adapter returned is valid. Adapters return entries of a table,
 * the same object every turn, so the schema is parsed once per object, not per turn.
 */
const validity = new WeakMap<object, boolean>();

/** Models whose bad price was already reported, by adapter: one warning each, not one a turn. */
const warned = new WeakMap<ProviderAdapter, Set<string>>();

/**
 * The adapter's price for the model; undefined when it has none, or when what it gave is no
 * valid price (or `priceOf` threw): the turn is then unpriced (cost null), as for an unknown model,
 * and a process warning (`LANGSWARM_INVALID_PRICE`) says so once per adapter and model.
 */
export function adapterPrice(adapter: ProviderAdapter, model: string): ModelPrice | undefined {
  if (!adapter.priceOf) return undefined;
  let price: unknown;
  try {
    price = adapter.priceOf(model);
  } catch (error) {
    return warn(adapter, model, `priceOf threw: ${failureText(error)}`);
  }
  if (price === undefined || price === null) return undefined;
  if (isPrice(price)) return price;
  return warn(adapter, model, reason(price));
}

function isPrice(price: unknown): price is ModelPrice {
  if (typeof price !== "object" || price === null) return false;
  let valid = validity.get(price);
  if (valid === undefined) {
    valid = ModelPriceSchema.safeParse(price).success;
    validity.set(price, valid);
  }
  return valid;
}

/** What is wrong with a price, as the `pricing` option's error would say it. */
function reason(price: unknown): string {
  const issue = ModelPriceSchema.safeParse(price).error?.issues[0];
  if (!issue) return "not a price";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

function warn(adapter: ProviderAdapter, model: string, why: string): undefined {
  let models = warned.get(adapter);
  if (!models) warned.set(adapter, (models = new Set()));
  if (models.has(model)) return undefined;
  models.add(model);
  process.emitWarning(
    redact(
      `provider ${adapter.name}: no valid price for ${model} (${why}); it is ignored ` +
        "(a model without a price is unpriced)",
    ),
    { code: "LANGSWARM_INVALID_PRICE" },
  );
  return undefined;
}
