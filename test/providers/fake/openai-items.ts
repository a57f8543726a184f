/** The fake OpenAI server's conversation items, ids and token counts. */
import type { FakeStep } from "./types.js";
import { newId, type Json, type Usage } from "./openai-wire.js";
import type { FakeConversation } from "./openai-server.js";

type Reply = Extract<FakeStep, { kind: "reply" }>;

export function conversationId(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") return String((value as Json).id);
  return null;
}

export function conversationJson(c: FakeConversation): Json {
  return { id: c.id, object: "conversation", created_at: c.created_at, metadata: c.metadata };
}

/** Stores items the way the API does: ids assigned, text as input_text / output_text parts. */
export function addItems(c: FakeConversation, items: Json[]): Json[] {
  const added = items.map((item) => {
    if (item.type !== undefined && item.type !== "message")
      return {
        id: item.id ?? newId(item.type === "function_call" ? "fc_" : "fco_"),
        status: "completed",
        ...item,
      };
    if (item.id && Array.isArray(item.content)) return item;
    const part = item.role === "assistant" ? "output_text" : "input_text";
    const content =
      typeof item.content === "string" ? [{ type: part, text: item.content }] : item.content;
    return { id: newId("msg_"), type: "message", status: "completed", role: item.role, content };
  });
  c.items.push(...added);
  return added;
}

export function usageOf(step: Reply, body: Json, text: string): Usage {
  const chars = JSON.stringify(body.input ?? body.messages ?? "").length;
  return {
    input: step.usage?.input ?? 10 + Math.ceil(chars / 4),
    output: step.usage?.output ?? Math.max(1, Math.ceil(text.length / 4)),
    cached: step.usage?.cached ?? 0,
  };
}
