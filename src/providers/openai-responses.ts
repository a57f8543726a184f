import type OpenAI from "openai";
import type { SessionMessage, ToolCall } from "../types.js";
import { asResultText, inBandError, responsesUsage, type Sampling } from "./openai-shared.js";
import { withFinishReason } from "./finish.js";
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

function functionCall(call: ToolCall): InputItem {
  return {
    type: "function_call",
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  };
}

/** The request fields a session's sampling settings map to. */
export function samplingParams(sampling: Sampling): SamplingParams {
  const params: SamplingParams = {};
  if (sampling.temperature !== undefined) params.temperature = sampling.temperature;
  if (sampling.topP !== undefined) params.top_p = sampling.topP;
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
  return params;
}

/** A finished response as a reply; a failed one as a `ProviderError`. */
export function toReply(provider: string, response: Response): ProviderReply {
  if (response.status === "failed" || response.error) {
    const message = response.error?.message ?? "the response failed";
    throw inBandError(provider, response.error?.code ?? "failed", message);
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
  return withFinishReason(reply, rawFinishReason(response, toolCalls.length > 0, refused));
}

/** Responses have no finish reason of their own: it follows from the status and the output. */
function rawFinishReason(response: Response, calledTools: boolean, refused: boolean): string {
  if (calledTools) return "tool_calls";
  if (refused) return "refusal";
  if (response.status !== "incomplete") return "stop";
  return response.incomplete_details?.reason ?? "incomplete";
}
