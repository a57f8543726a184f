import type OpenAI from "openai";
import type { SessionMessage, ToolCall } from "../types.js";
import { asResultText, inBandError, responsesUsage, type Sampling } from "./openai-shared.js";
import { withFinishReason } from "./finish.js";
import { withSpent } from "./provider-failure.js";
import type { ProviderReply } from "./types.js";

type InputItem = OpenAI.Responses.ResponseInputItem;
type Response = OpenAI.Responses.Response;
type SamplingParams = Pick<
  OpenAI.Responses.ResponseCreateParamsNonStreaming,
  "temperature" | "top_p" | "max_output_tokens" | "tools"
>;

/**
 * Stored messages as Responses input items. System messages become `developer` messages (what
 * OpenAI's newer models read as system text); tool calls become `function_call` /
 * `function_call_output` items. Legacy `function` messages (and results without a call id) have no
 * Responses form and are sent as user text.
 */
export function toInputItems(messages: readonly SessionMessage[]): InputItem[] {
  const items: InputItem[] = [];
  for (const m of messages) {
    switch (m.role) {
      case "system":
        items.push({ type: "message", role: "developer", content: m.content });
        break;
      case "user":
        items.push({ type: "message", role: "user", content: m.content });
        break;
      case "assistant":
        if (m.content) items.push({ type: "message", role: "assistant", content: m.content });
        for (const call of m.toolCalls ?? []) items.push(functionCall(call));
        break;
      case "tool":
        if (m.toolCallId) {
          items.push({ type: "function_call_output", call_id: m.toolCallId, output: m.content });
          break;
        }
        items.push(...toInputItems([asResultText(m)]));
        break;
      case "function":
        items.push(...toInputItems([asResultText(m)]));
        break;
    }
  }
  return items;
}

// What the model reads for a call the user moved on from (see `ProviderTurnInput.openToolCalls`).
const NO_RESULT = "No result: the user sent a new message instead.";

/** Outputs for calls the conversation holds open, so it accepts the new input after them. */
export function noResults(callIds: readonly string[] = []): InputItem[] {
  return callIds.map((id) => ({ type: "function_call_output", call_id: id, output: NO_RESULT }));
}

function functionCall(call: ToolCall): InputItem {
  return {
    type: "function_call",
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  };
}

/** The request fields a session's sampling settings map to, and the refused ones left out. */
export function samplingParams(
  sampling: Sampling,
  model: string,
): { params: SamplingParams; dropped: string[] } {
  const params: SamplingParams = {};
  const dropped: string[] = [];
  const refused = refusesSampling(model);
  if (sampling.temperature !== undefined) {
    if (refused) dropped.push("temperature");
    else params.temperature = sampling.temperature;
  }
  if (sampling.topP !== undefined) {
    if (refused) dropped.push("top_p");
    else params.top_p = sampling.topP;
  }
  if (sampling.maxTokens !== undefined) params.max_output_tokens = sampling.maxTokens;
  if (sampling.tools) {
    params.tools = sampling.tools.map((t) => ({
      type: "function",
      name: t.function.name,
      description: t.function.description ?? null,
      parameters: t.function.parameters ?? null,
      strict: false,
    }));
  }
  return { params, dropped };
}

/**
 * Reasoning models (o1, o3, o4-mini, the gpt-5 family) answer `temperature` or `top_p` with 400
 * "Unsupported parameter"; the gpt-5 chat models (`gpt-5-chat-latest`) are not reasoning models
 * and take them. A later gpt-5.x may accept them at its default reasoning effort, but one that
 * does not would fail every turn, so the family is treated alike. A proxy's `openai/` prefix is
 * ignored.
 */
export function refusesSampling(model: string): boolean {
  const name = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  if (name.includes("-chat")) return false;
  return /^o\d(?:$|-)/.test(name) || /^gpt-5(?:$|[-.])/.test(name);
}

/**
 * A finished response as a reply; a failed one as a `ProviderError`, carrying the usage it
 * reports (the API billed it: a streamed turn counts it from its usage event).
 */
export function toReply(provider: string, response: Response): ProviderReply {
  if (response.status === "failed" || response.error) {
    const message = response.error?.message ?? "the response failed";
    const error = inBandError(provider, response.error?.code ?? "failed", message);
    throw withSpent(error, response.usage ? [{ usage: responsesUsage(response.usage) }] : []);
  }
  let content = "";
  let messageId: string | undefined;
  let refused = false;
  const toolCalls: ToolCall[] = [];
  for (const item of response.output) {
    if (item.type === "message") {
      messageId ??= item.id;
      for (const part of item.content) {
        refused ||= part.type === "refusal";
        content += part.type === "output_text" ? part.text : part.refusal;
      }
    } else if (item.type === "function_call") {
      toolCalls.push({
        id: item.call_id,
        type: "function",
        function: { name: item.name, arguments: item.arguments },
      });
    }
  }
  const reply: ProviderReply = {
    content,
    usage: responsesUsage(response.usage),
    providerMessageId: messageId ?? response.id,
    metadata: { responseId: response.id },
  };
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  if (!response.usage) reply.usageUnknown = true;
  return withFinishReason(reply, rawFinishReason(response, toolCalls.length > 0, refused));
}

/**
 * Responses have no finish reason of their own: it follows from the status and the output. An
 * incomplete response comes first: a function call the token limit cut off has unfinished
 * arguments, and is no request to run the tool (Chat Completions and Anthropic say `length` too).
 */
function rawFinishReason(response: Response, calledTools: boolean, refused: boolean): string {
  if (response.status === "incomplete") return response.incomplete_details?.reason ?? "incomplete";
  if (calledTools) return "tool_calls";
  return refused ? "refusal" : "stop";
}
