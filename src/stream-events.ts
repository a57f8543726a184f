/**
 * Checks on what an adapter's stream yields (see `ProviderStreamEvent`): an event outside the
 * contract is the adapter's bug, and fails the turn with a `ProviderError` naming it.
 */
import { ProviderError } from "./errors.js";
import { failureText } from "./providers/provider-failure.js";
import type { ProviderStreamEvent } from "./providers/types.js";
import { isFlag, isTokenUsage } from "./reply-checks.js";

/** Throws if `event` is not one the stream can take as it is. */
export function checkEvent(provider: string, event: ProviderStreamEvent): void {
  switch ((event as Partial<ProviderStreamEvent> | null)?.type) {
    case "delta":
      return checkDelta(provider, event as Extract<ProviderStreamEvent, { type: "delta" }>);
    case "usage":
      return checkUsageEvent(provider, event as Extract<ProviderStreamEvent, { type: "usage" }>);
    case "output":
    case "fallback":
    case "done": // its reply is checked as a sent one is
      return;
    default:
      throw unknownEvent(provider, event);
  }
}

/**
 * A delta's text goes to the reader as it is, and into the stored reply: one that is not a string
 * (a Chat Completions chunk's `delta.content`, null on its tool-call chunks) would reach a reader
 * typed for strings, or be stored as "42".
 */
function checkDelta(
  provider: string,
  event: Extract<ProviderStreamEvent, { type: "delta" }>,
): void {
  if (typeof event.text === "string") return;
  const kind = event.text === null ? "null" : typeof event.text;
  throw new ProviderError(
    provider,
    `the stream yielded a delta event whose text is ${kind} (expected a string)`,
  );
}

/**
 * An event outside the contract (a keep-alive `ping`, a misspelt `Delta`): the adapter's bug,
 * named as such. Skipping it would drop a misspelt delta's text from what the reader sees.
 */
function unknownEvent(provider: string, event: unknown): ProviderError {
  const type = (event as { type?: unknown } | null)?.type;
  const named = typeof type === "string" ? `"${type.slice(0, 100)}"` : typeof type;
  return new ProviderError(
    provider,
    `the stream yielded an event of unknown type ${named} ` +
      "(expected delta, output, usage, fallback or done)",
  );
}

/** A usage event the counters can take: four whole counts, and a boolean `usageUnknown`. */
function checkUsageEvent(
  provider: string,
  event: Extract<ProviderStreamEvent, { type: "usage" }>,
): void {
  if (!isTokenUsage(event.usage)) {
    throw new ProviderError(provider, "a usage event has invalid token counts");
  }
  if (!isFlag(event.usageUnknown)) {
    throw new ProviderError(provider, "a usage event's usageUnknown is not a boolean");
  }
}

/**
 * An adapter's stream that failed in its cleanup (its iterator's `return()`) after the turn was
 * stored: a warning, not the reader's error, or a caller that retries on error would send the
 * turn again. Scrubbed: the adapter's error may quote a request.
 */
export function warnStreamCleanup(provider: string, error: unknown): void {
  process.emitWarning(
    `provider ${provider}: the stream failed to close after its turn was stored: ` +
      failureText(error),
    { code: "LANGSWARM_STREAM_CLEANUP_FAILED" },
  );
}
