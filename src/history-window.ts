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
 * hold, in stored order, starting at a user message, so that no tool exchange is cut in half.
 * The reply whose tool calls this turn's `input` answers is always sent (the results would
 * otherwise reach the model as text it never asked for). Tokens are estimated (see
 * `estimatedTokens`); system messages count toward the token limit but are always sent.
 * Without a window, `history` itself.
 *
 * ```ts
 * windowed(history, { maxHistoryMessages: 40, maxHistoryTokens: 100_000 }, input);
 * ```
 */
export function windowed(
  history: SessionMessage[],
  config: Readonly<Record<string, unknown>>,
  input: readonly SessionMessage[] = [],
): SessionMessage[] {
  const maxMessages = config.maxHistoryMessages as number | undefined;
  const maxTokens = config.maxHistoryTokens as number | undefined;
  if (maxMessages === undefined && maxTokens === undefined) return history;
  const cut = cutAt(history, maxMessages ?? Infinity, maxTokens);
  if (cut === 0) return history; // all of it fits
  const from = Math.min(turnStart(history, cut), askedBy(history, input));
  return history.filter((m, at) => at >= from || m.role === "system");
}

/** The index of the oldest message the limits keep (system messages aside; 0 if all fit). */
function cutAt(history: SessionMessage[], maxMessages: number, maxTokens?: number): number {
  let tokens = 0;
  if (maxTokens !== undefined) {
    for (const m of history) if (m.role === "system") tokens += estimatedTokens(m);
  }
  let count = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    if (m.role === "system") continue;
    if (maxTokens !== undefined) tokens += estimatedTokens(m);
    if (++count > maxMessages || tokens > (maxTokens ?? Infinity)) return i + 1;
  }
  return 0;
}

/** The first user message from `at` on: a window starting with a reply or a tool result would
 * send half of an exchange. */
function turnStart(history: SessionMessage[], at: number): number {
  let i = at;
  while (i < history.length && history[i]!.role !== "user") i++;
  return i;
}

/** The index of the newest reply holding a call that `input` answers; else past the end. */
function askedBy(history: SessionMessage[], input: readonly SessionMessage[]): number {
  const answered = new Set(input.map((m) => m.toolCallId).filter((id) => id !== undefined));
  if (answered.size === 0) return history.length;
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]!.toolCalls?.some((c) => answered.has(c.id))) return i;
  }
  return history.length;
}

/**
 * A message's tokens, estimated from what is sent again: its text and tool calls in UTF-8 bytes
 * over three, which overcounts English text (about four bytes a token) and fits most other
 * scripts, so a window set below the model's context stays below it. (A reply's reported output
 * count would include a reasoning model's hidden reasoning, which is never sent again.)
 */
function estimatedTokens(m: SessionMessage): number {
  let bytes = Buffer.byteLength(m.content);
  for (const call of m.toolCalls ?? []) {
    bytes += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
  }
  return Math.ceil(bytes / 3);
}
