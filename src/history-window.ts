/**
 * The history window: how much of a long transcript a provider that gets the history from the
 * session (client-side history) is sent. The transcript itself is never cut.
 */
import { Buffer } from "node:buffer";
import { ValidationError } from "./errors.js";
import type { SessionMessage } from "./types.js";

/** The `providerConfig` keys that set a session's window. */
const WINDOW_KEYS = ["maxHistoryMessages", "maxHistoryTokens"] as const;

/**
 * Checks a providerConfig's window settings (positive integers); throws `ValidationError` naming
 * the field.
 */
export function validateHistoryWindow(field: string, config: Record<string, unknown>): void {
  for (const key of WINDOW_KEYS) {
    const value = config[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
      throw new ValidationError(`${field}.${key}`, "must be a positive integer");
    }
  }
}

/**
 * The history a turn sends under the session's window (`providerConfig.maxHistoryMessages`,
 * `maxHistoryTokens`): every system message, and the newest other messages while both limits
 * hold, in stored order. Tokens are estimated (see `estimatedTokens`); system messages count
 * toward the token limit but are always sent. Without a window, `history` itself.
 *
 * ```ts
 * windowed(history, { maxHistoryMessages: 40, maxHistoryTokens: 100_000 });
 * ```
 */
export function windowed(
  history: SessionMessage[],
  config: Readonly<Record<string, unknown>>,
): SessionMessage[] {
  const maxMessages = config.maxHistoryMessages as number | undefined;
  const maxTokens = config.maxHistoryTokens as number | undefined;
  if (maxMessages === undefined && maxTokens === undefined) return history;
  let tokens = 0;
  if (maxTokens !== undefined) {
    for (const m of history) if (m.role === "system") tokens += estimatedTokens(m);
  }
  let count = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    if (m.role === "system") continue;
    if (maxTokens !== undefined) tokens += estimatedTokens(m);
    if (++count > (maxMessages ?? Infinity) || tokens > (maxTokens ?? Infinity)) {
      return history.filter((kept, at) => at > i || kept.role === "system");
    }
  }
  return history; // all of it fits
}

/**
 * A message's tokens: a reply's own count when the provider gave one, else its UTF-8 bytes over
 * three, which overcounts English text (about four bytes a token) and fits most other scripts, so
 * a window set below the model's context stays below it.
 */
function estimatedTokens(m: SessionMessage): number {
  if (m.role === "assistant" && m.tokenCount) return m.tokenCount;
  let bytes = Buffer.byteLength(m.content);
  for (const call of m.toolCalls ?? []) {
    bytes += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
  }
  return Math.ceil(bytes / 3);
}
