/**
 * Wire shapes of OpenAI's Responses and Chat Completions APIs as the fake server sends them:
 * response objects, SSE event sequences and chunks (see research/provider-wire.md §1.3, §1.4).
 */
import { randomBytes } from "node:crypto";

export type Json = Record<string, unknown>;
export interface Usage {
  input: number;
  output: number;
  cached: number;
}
export interface ToolCallSpec {
  id: string;
  name: string;
  arguments: string;
}

export const newId = (prefix: string): string => `${prefix}${randomBytes(12).toString("hex")}`;

/** Splits a reply into stream deltas (a few characters each, like real token deltas). */
export function chunks(text: string): string[] {
  return text.match(/[\s\S]{1,4}/g) ?? [];
}

export function responsesUsage(u: Usage): Json {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached, cache_write_tokens: 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input + u.output,
  };
}

export function messageItem(id: string, text: string, status = "completed"): Json {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    content: text ? [outputText(text)] : [],
  };
}

export function outputText(text: string): Json {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

export function functionCallItem(call: ToolCallSpec, status = "completed"): Json {
  return {
    id: newId("fc_"),
    type: "function_call",
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status,
  };
}

/** A Responses API response object. */
export function responseObject(args: {
  id: string;
  body: Json;
  status: string;
  output: Json[];
  usage: Usage | null;
  conversationId: string | null;
}): Json {
  const { body } = args;
  return {
    id: args.id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: args.status,
    completed_at: args.status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: body.model,
    output: args.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    conversation: args.conversationId ? { id: args.conversationId } : null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: args.usage ? responsesUsage(args.usage) : null,
    user: null,
    service_tier: "default",
  };
}

/**
 * The SSE events of a streamed response, in the real order. `upTo` cuts the text deltas
 * (for a dropped connection) and then nothing after them is produced.
 */
export function responseEvents(
  final: Json,
  text: string,
  calls: ToolCallSpec[],
  upTo?: number,
): Json[] {
  const events: Json[] = [];
  const inProgress = { ...final, status: "in_progress", output: [], usage: null };
  events.push({ type: "response.created", response: inProgress });
  events.push({ type: "response.in_progress", response: inProgress });
  const output = final.output as Json[];
  const message = output.find((o) => o.type === "message");
  let index = 0;
  if (message) {
    const itemId = message.id;
    const base = { item_id: itemId, output_index: index, content_index: 0 };
    events.push({
      type: "response.output_item.added",
      output_index: index,
      item: { ...messageItem(itemId as string, "", "in_progress") },
    });
    events.push({
      type: "response.content_part.added",
      ...base,
      part: outputText(""),
    });
    const deltas = chunks(text);
    for (const [i, delta] of deltas.entries()) {
      if (upTo !== undefined && i >= upTo) return events;
      events.push({ type: "response.output_text.delta", ...base, delta, logprobs: [] });
    }
    if (upTo !== undefined) return events;
    events.push({ type: "response.output_text.done", ...base, text, logprobs: [] });
    events.push({ type: "response.content_part.done", ...base, part: outputText(text) });
    events.push({ type: "response.output_item.done", output_index: index, item: message });
    index++;
  } else if (upTo !== undefined) return events;
  for (const item of output.filter((o) => o.type === "function_call")) {
    const call = calls.find((c) => c.id === item.call_id)!;
    events.push({
      type: "response.output_item.added",
      output_index: index,
      item: { ...item, arguments: "", status: "in_progress" },
    });
    const base = { item_id: item.id, output_index: index };
    events.push({ type: "response.function_call_arguments.delta", ...base, delta: call.arguments });
    events.push({
      type: "response.function_call_arguments.done",
      ...base,
      name: call.name,
      arguments: call.arguments,
    });
    events.push({ type: "response.output_item.done", output_index: index, item });
    index++;
  }
  events.push({ type: "response.completed", response: final });
  return events;
}

export function chatUsage(u: Usage): Json {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatToolCalls(calls: ToolCallSpec[]): Json[] {
  return calls.map((c) => ({
    id: c.id,
    type: "function",
    function: { name: c.name, arguments: c.arguments },
  }));
}

export function chatCompletion(
  model: unknown,
  text: string,
  calls: ToolCallSpec[],
  u: Usage,
): Json {
  const message: Json = {
    role: "assistant",
    content: text || null,
    refusal: null,
    annotations: [],
  };
  if (calls.length) message.tool_calls = chatToolCalls(calls);
  return {
    id: newId("chatcmpl-"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: calls.length ? "tool_calls" : "stop",
      },
    ],
    usage: chatUsage(u),
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

/** The `data:` chunks of a streamed chat completion (without the `[DONE]` sentinel). */
export function chatChunks(args: {
  model: unknown;
  text: string;
  calls: ToolCallSpec[];
  usage: Usage;
  includeUsage: boolean;
  upTo?: number;
}): Json[] {
  const id = newId("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const withUsage = args.includeUsage ? { usage: null } : {};
  const chunk = (delta: Json, finish: string | null = null): Json => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: args.model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...withUsage,
  });
  const out: Json[] = [chunk({ role: "assistant", content: "", refusal: null })];
  for (const [i, piece] of chunks(args.text).entries()) {
    if (args.upTo !== undefined && i >= args.upTo) return out;
    out.push(chunk({ content: piece }));
  }
  if (args.upTo !== undefined) return out;
  for (const [index, c] of args.calls.entries()) {
    const fn = { name: c.name, arguments: "" };
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: "function", function: fn }] }));
    out.push(chunk({ tool_calls: [{ index, function: { arguments: c.arguments } }] }));
  }
  out.push(chunk({}, args.calls.length ? "tool_calls" : "stop"));
  if (args.includeUsage) {
    out.push({
      id,
      object: "chat.completion.chunk",
      created,
      model: args.model,
      system_fingerprint: "fp_fake",
      choices: [],
      usage: chatUsage(args.usage),
    });
  }
  return out;
}
