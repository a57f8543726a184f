import { ProviderError } from "./errors.js";
import type { ProviderReply, SpentAttempt } from "./providers/types.js";
import type { TokenUsage } from "./types.js";
import { isCount, isJsonRecord, isStorableText } from "./validate.js";

/**
 * Why the storage could not keep this reply, as the provider's failure (so the turn keeps its
 * input, as for any failed provider call); null when it can. The content itself is made storable
 * (`repairedText`); the other fields are the provider's or adapter's to get right, and checked
 * here once so that every backend, and the memory store's unchecked append, agree.
 */
export function replyFault(provider: string, reply: ProviderReply): ProviderError | null {
  const fault = replyFieldFault(reply);
  return fault ? new ProviderError(provider, fault) : null;
}

function replyFieldFault(reply: ProviderReply): string | null {
  if (typeof reply?.content !== "string") return "the reply has no text content";
  if (!isTokenUsage(reply.usage))
    return "the reply's usage is not four whole, non-negative token counts";
  if (!isFlag(reply.usageUnknown)) return "the reply's usageUnknown is not a boolean";
  if (reply.metadata !== undefined && !isJsonRecord(reply.metadata))
    return "the reply's metadata is not a plain JSON object";
  if (!optionalText(reply.finishReason)) return "the reply's finishReason is not storable text";
  if (!optionalText(reply.providerMessageId))
    return "the reply's providerMessageId is not storable text";
  if (!optionalText(reply.model)) return "the reply's model is not storable text";
  const { earlier } = reply;
  if (earlier !== undefined && !(Array.isArray(earlier) && earlier.every(isSpentAttempt)))
    return "the reply's earlier attempts are not a list of four whole, non-negative token counts";
  const calls = reply.toolCalls;
  if (calls !== undefined && !(Array.isArray(calls) && isJsonRecord({ calls })))
    return "the reply's toolCalls are not a plain JSON array";
  return null;
}

/**
 * An attempt's spending the counters can take (`ProviderReply.earlier`, `ProviderError.spent`):
 * its counts as `isTokenUsage` says, its model text (it is looked up in price tables).
 */
export function isSpentAttempt(attempt: unknown): attempt is SpentAttempt {
  if (attempt === null || typeof attempt !== "object") return false;
  const { usage, model, usageUnknown } = attempt as SpentAttempt;
  return (
    isTokenUsage(usage) &&
    (model === undefined || typeof model === "string") &&
    (usageUnknown === undefined || typeof usageUnknown === "boolean")
  );
}

/** Token counts a storage can add to its counters: four whole, non-negative numbers. */
export function isTokenUsage(usage: TokenUsage | undefined): usage is TokenUsage {
  return (
    usage !== null &&
    typeof usage === "object" &&
    isCount(usage.inputTokens) &&
    isCount(usage.outputTokens) &&
    isCount(usage.cachedTokens) &&
    isCount(usage.cacheCreationTokens)
  );
}

function optionalText(value: unknown): boolean {
  return value === undefined || isStorableText(value);
}

/** An optional boolean (`usageUnknown`, `outputPending`): left out, or true or false. */
export function isFlag(value: unknown): boolean {
  return value === undefined || typeof value === "boolean";
}
