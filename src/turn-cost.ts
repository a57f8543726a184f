import { isEmpty } from "./internal/clone.js";
import { addUsage, priceIn, turnCost } from "./pricing.js";
import { adapterPrice } from "./adapter-price.js";
import { ZERO_USAGE } from "./providers/types.js";
import { isFlag, isSpentAttempt, isTokenUsage } from "./reply-checks.js";
import type { ProviderAdapter, ProviderReply, SpentAttempt } from "./providers/types.js";
import type { KnownSession, TurnCounters } from "./storage/types.js";
import type { Runtime } from "./turn-lock.js";
import type { SessionRecord } from "./types.js";

/** What a turn spent: tokens and the model that answered, with earlier attempts' (a fallback's). */
export type Spent = Pick<ProviderReply, "usage" | "usageUnknown" | "model" | "earlier">;

export const NOTHING_SPENT: Spent = { usage: ZERO_USAGE };

/**
 * The counters of a write that spends nothing (a system message, a held tool result); with
 * `known`, fenced on the session it was held on (see `TurnCounters.known`).
 */
export function noCost(at: Date, known?: KnownSession): TurnCounters {
  return { usage: { ...ZERO_USAGE }, costUsd: 0, at, known };
}

/** Whose prices apply: the session (its model) and the adapter (its built-in table). */
interface PricedTurn {
  record: SessionRecord;
  adapter: ProviderAdapter;
}

/**
 * A turn's counters: its tokens, and their cost at the price of each model that spent them. The
 * turn makes the session active again (`activate`), and is stored only in the session it was
 * held on (`known`: not one made anew under its id meanwhile, elsewhere).
 */
export function turnCounters(
  rt: Runtime,
  turn: PricedTurn,
  spent: Spent,
  at: Date,
  ranOn?: TurnCounters["ranOn"],
): TurnCounters {
  // The usual reply (no earlier attempts) is built directly: this runs on every turn.
  if (!spent.earlier) {
    const known = turn.record;
    const costUsd = costOf(rt, turn, spent);
    return { usage: spent.usage, costUsd, at, activate: true, known, ranOn };
  }
  let usage = spent.usage;
  let costUsd = costOf(rt, turn, spent);
  for (const attempt of spent.earlier) {
    usage = addUsage(usage, attempt.usage);
    const cost = costOf(rt, turn, attempt);
    costUsd = costUsd === null || cost === null ? null : finite(costUsd + cost);
  }
  return { usage, costUsd, at, activate: true, known: turn.record, ranOn };
}

/** Unknown usage has an unknown cost (null, an unpriced turn), not the $0 of its zero counts. */
function costOf(rt: Runtime, turn: PricedTurn, spent: Spent | SpentAttempt): number | null {
  if (spent.usageUnknown) return null;
  const cost = turnCost(spent.usage, priceOf(rt, turn, spent.model));
  return cost === null ? null : finite(cost);
}

/** Rates valid but absurd (1e300 per token) overflow: unknown, never an Infinity stored. */
function finite(cost: number): number | null {
  return Number.isFinite(cost) ? cost : null;
}

/**
 * The user's price for the model that answered (its own, else its family's, as the built-in
 * tables do), else the provider's built-in one: a user's `gpt-4o` price also prices
 * `gpt-4o-2024-08-06`.
 */
function priceOf(rt: Runtime, turn: PricedTurn, model = turn.record.model) {
  const user = rt.config.pricing;
  // Most managers give no prices: their turns skip the look-ups.
  return (isEmpty(user) ? undefined : priceIn(user, model)) ?? adapterPrice(turn.adapter, model);
}

/**
 * What a faulty reply spent, as far as it can be told: its tokens, at its model's price. Counts
 * that cannot be read were billed all the same: an unknown amount (unpriced), never $0.
 */
export function spentOf(reply: ProviderReply): Spent | undefined {
  if (reply === null || typeof reply !== "object") return undefined;
  const usable = isTokenUsage(reply.usage);
  const model = typeof reply.model === "string" ? reply.model : undefined;
  // Earlier attempts with counts no storage can add up (the fault may be theirs) were billed an
  // unknown amount: the turn is unpriced, and only the reply's own counts are kept.
  const { earlier } = reply;
  const readable =
    earlier === undefined || (Array.isArray(earlier) && earlier.every(isSpentAttempt));
  return {
    usage: usable ? reply.usage : ZERO_USAGE,
    usageUnknown:
      reply.usageUnknown === true || !isFlag(reply.usageUnknown) || !readable || !usable,
    model,
    earlier: readable ? earlier : undefined,
  };
}
