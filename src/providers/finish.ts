import type { ProviderReply } from "./types.js";

/**
 * Why a reply ended, in one vocabulary for every provider. `aborted` (the caller stopped a stream)
 * and `error` (the provider broke off) are set by the session for partial replies.
 */
export type FinishReason =
  "stop" | "length" | "tool_calls" | "content_filter" | "aborted" | "error";

// Each provider's own stop reasons (Anthropic `stop_reason`, Chat Completions `finish_reason`,
// Responses `incomplete_details.reason`), by what they mean.
const MEANING: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  length: "length",
  max_tokens: "length",
  max_output_tokens: "length",
  incomplete: "length",
  model_context_window_exceeded: "length",
  tool_calls: "tool_calls",
  tool_use: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
  refusal: "content_filter",
};

// Raw reasons that say exactly what their meaning says: nothing is lost by not keeping them (and
// a reply without metadata is cheaper to store and to read back every turn).
const EXACT: ReadonlySet<string> = new Set([
  ...["stop", "end_turn", "length", "max_tokens", "max_output_tokens"],
  ...["tool_calls", "tool_use", "content_filter"],
]);

/**
 * Sets `finishReason` from a provider's raw reason; a raw value that says more than its meaning
 * (`stop_sequence`, `pause_turn`, `refusal`, an unknown one) is kept as
 * `metadata.providerFinishReason`. An unknown reason reads as `stop` (the reply did end).
 */
export function withFinishReason(
  reply: ProviderReply,
  raw: string | null | undefined,
): ProviderReply {
  if (!raw) return reply;
  const reason: FinishReason = Object.hasOwn(MEANING, raw) ? MEANING[raw]! : "stop";
  reply.finishReason = reason;
  if (!EXACT.has(raw)) reply.metadata = { ...reply.metadata, providerFinishReason: raw };
  return reply;
}
