/**
 * The request checks the real OpenAI API makes and the fake repeats, so that a transcript the
 * adapter should have cleaned up (a tool result without its call) fails here as it would there.
 */
import type { Json } from "./openai-wire.js";

/** Responses `input`: a string is one user message. */
export function inputItems(input: unknown): Json[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  return Array.isArray(input) ? (input as Json[]) : [];
}

/** The text of the last user message or tool output in the input (what the echo repeats). */
export function lastInputText(items: Json[]): string {
  for (const item of [...items].reverse()) {
    if (item.type === "function_call_output") return String(item.output);
    if ((item.type ?? "message") === "message" && item.role === "user") return textOf(item.content);
  }
  return "";
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as Json[]).map((p) => (typeof p.text === "string" ? p.text : "")).join("");
}

/**
 * Every function_call_output needs its function_call, and every function call, in the input or
 * already in the conversation (a parallel call the model made last turn), needs its output: the
 * API refuses a turn that answers only some of a response's calls.
 */
export function checkResponsesTools(conversation: Json[], input: Json[]): string | null {
  const all = [...conversation, ...input];
  const calls = new Set(all.filter((i) => i.type === "function_call").map((i) => i.call_id));
  const outputs = new Set(
    all.filter((i) => i.type === "function_call_output").map((i) => i.call_id),
  );
  for (const item of input) {
    if (item.type === "function_call_output" && !calls.has(item.call_id)) {
      return `No tool call found for function call output with call_id ${String(item.call_id)}.`;
    }
  }
  for (const item of all) {
    if (item.type === "function_call" && !outputs.has(item.call_id)) {
      return `No tool output found for function call ${String(item.call_id)}.`;
    }
  }
  return null;
}

/**
 * Reasoning models refuse sampling settings: 400 `unsupported_parameter`, "Unsupported
 * parameter: 'temperature' is not supported with this model." (the gpt-5 chat models take them).
 * Returns the refused field, or null.
 */
export function refusedParam(body: Json): string | null {
  const model = String(body.model ?? "");
  const reasoning = /^(o\d(?:$|-)|gpt-5(?:$|[-.]))/.test(model) && !model.includes("-chat");
  if (!reasoning) return null;
  return ["temperature", "top_p"].find((field) => body[field] !== undefined) ?? null;
}

/** A tool message must answer a tool call of the assistant message before it, and all are answered. */
export function checkChatTools(messages: Json[]): string | null {
  let open = new Set<string>();
  for (const [i, m] of messages.entries()) {
    if (m.role === "tool") {
      if (!open.has(String(m.tool_call_id))) {
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
      }
      open.delete(String(m.tool_call_id));
      continue;
    }
    if (open.size > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(", ")} (messages.[${i}])`;
    }
    const calls = (m.tool_calls as Json[] | undefined) ?? [];
    open = new Set(calls.map((c) => String(c.id)));
  }
  return open.size > 0
    ? `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.`
    : null;
}
