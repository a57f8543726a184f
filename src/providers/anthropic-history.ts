import { createHash } from "node:crypto";
import type Anthropic from "@anthropic-ai/sdk";
import type { SessionMessage, ToolCall } from "../types.js";

type Block =
  Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam | Anthropic.ToolResultBlockParam;
interface TextMessage {
  role: "user" | "assistant";
  content: Anthropic.TextBlockParam[];
}
interface Turn {
  role: "user" | "assistant";
  blocks: Block[];
}

/** What the Messages API gets from a stored transcript: the joined system text and the turns. */
export interface AnthropicHistory {
  system?: string;
  messages: Anthropic.MessageParam[];
}

// Sent only when a stored transcript starts with the model (migrated or imported data): the API
// wants the conversation to open with a user turn.
const OPENING = "(conversation continues)";

/**
 * Rebuilds the Messages API input from stored messages, whichever provider wrote them:
 * - system messages (anywhere) become the top-level `system`, joined in order;
 * - consecutive same-role messages merge into one turn, so roles alternate, starting with user;
 * - an assistant's tool calls become `tool_use` blocks and are kept only when the next user turn
 *   answers them; `tool` messages become `tool_result` blocks grouped in that user turn;
 * - a tool result whose call is not in the turn before (after a provider switch or an import)
 *   and legacy `function` messages are sent as plain text, without the call id, so the model
 *   still sees the content and the API has no dangling id to refuse.
 *
 * ```ts
 * const { system, messages } = toAnthropicHistory([...turn.history, ...turn.input]);
 * ```
 */
export function toAnthropicHistory(stored: readonly SessionMessage[]): AnthropicHistory {
  return textHistory(stored) ?? toolHistory(stored);
}

/**
 * The usual transcript, text only (no tool calls or results), in one pass: the same result as
 * `toolHistory` with nothing to pair. This runs every turn over the whole transcript, and the
 * general passes allocate ~9x as much (Sets, copies per pass): garbage the GC then collects while
 * the request is in flight. Returns null as soon as a message needs the general conversion.
 */
function textHistory(stored: readonly SessionMessage[]): AnthropicHistory | null {
  let system = "";
  const messages: TextMessage[] = [];
  let last: TextMessage | undefined;
  for (const m of stored) {
    if (m.role === "system") {
      if (m.content.trim() !== "") system = system ? `${system}\n\n${m.content}` : m.content;
      continue;
    }
    if (m.role !== "user" && m.role !== "assistant") return null;
    if (m.toolCalls?.length) return null;
    if (!hasText(m.content)) continue;
    const block: Anthropic.TextBlockParam = { type: "text", text: m.content };
    if (last?.role === m.role) last.content.push(block);
    else messages.push((last = { role: m.role, content: [block] }));
  }
  if (messages[0]?.role === "assistant") {
    messages.unshift({ role: "user", content: [{ type: "text", text: OPENING }] });
  }
  return system ? { system, messages } : { messages };
}

/** The general conversion, for transcripts with tool calls, results or legacy `function` messages. */
function toolHistory(stored: readonly SessionMessage[]): AnthropicHistory {
  const system = stored
    .filter((m) => m.role === "system" && m.content.trim() !== "")
    .map((m) => m.content)
    .join("\n\n");
  const turns = merge(pairTools(merge(stored.flatMap(toTurn))));
  if (turns[0]?.role === "assistant") turns.unshift(textTurn("user", OPENING));
  const messages = turns.map((t) => ({ role: t.role, content: t.blocks }));
  return system ? { system, messages } : { messages };
}

function toTurn(m: SessionMessage): Turn[] {
  switch (m.role) {
    case "system":
      return [];
    case "user":
      return hasText(m.content) ? [textTurn("user", m.content)] : [];
    case "assistant": {
      const blocks: Block[] = hasText(m.content) ? [{ type: "text", text: m.content }] : [];
      for (const call of m.toolCalls ?? []) blocks.push(toolUse(call));
      return blocks.length ? [{ role: "assistant", blocks }] : [];
    }
    case "tool":
      if (!m.toolCallId) return hasText(m.content) ? [textTurn("user", resultText(m.content))] : [];
      return [{ role: "user", blocks: [toolResult(wireToolId(m.toolCallId), m.content)] }];
    case "function":
      return hasText(m.content) ? [textTurn("user", resultText(m.content))] : [];
  }
}

/**
 * Whether text may be a text block: the API refuses an empty or whitespace-only one (a reply of
 * "\n\n" before a tool call), and as the transcript is sent every turn, one would fail them all.
 */
function hasText(text: string): boolean {
  return /\S/.test(text);
}

/** Joins consecutive turns of one role; in a user turn the tool results go first, as required. */
function merge(turns: readonly Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const turn of turns) {
    const last = out.at(-1);
    if (last && last.role === turn.role) last.blocks.push(...turn.blocks);
    else out.push({ role: turn.role, blocks: [...turn.blocks] });
  }
  for (const turn of out) {
    if (turn.role === "user") {
      const results = turn.blocks.filter((b) => b.type === "tool_result");
      turn.blocks = [...results, ...turn.blocks.filter((b) => b.type !== "tool_result")];
    }
  }
  return out;
}

/**
 * Keeps each `tool_use` only if the next turn answers it, and each `tool_result` only if the
 * turn before asked for it (once); the rest become text or go. Turns left empty are removed.
 */
function pairTools(turns: readonly Turn[]): Turn[] {
  const out: Turn[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === "assistant") {
      const answered = resultIds(turns[i + 1]);
      const blocks = turn.blocks.filter((b) => b.type !== "tool_use" || answered.has(b.id));
      if (blocks.length) out.push({ role: "assistant", blocks });
      continue;
    }
    const asked = useIds(out.at(-1));
    const seen = new Set<string>();
    const blocks = turn.blocks.flatMap((b): Block[] => {
      if (b.type !== "tool_result") return [b];
      if (asked.has(b.tool_use_id) && !seen.has(b.tool_use_id)) {
        seen.add(b.tool_use_id);
        return [b];
      }
      const text = typeof b.content === "string" ? b.content : "";
      return text ? [{ type: "text", text: resultText(text) }] : [];
    });
    if (blocks.length) out.push({ role: "user", blocks });
  }
  return out;
}

function resultIds(turn: Turn | undefined): Set<string> {
  const ids = new Set<string>();
  if (turn?.role === "user") {
    for (const b of turn.blocks) if (b.type === "tool_result") ids.add(b.tool_use_id);
  }
  return ids;
}

function useIds(turn: Turn | undefined): Set<string> {
  const ids = new Set<string>();
  if (turn?.role === "assistant") {
    for (const b of turn.blocks) if (b.type === "tool_use") ids.add(b.id);
  }
  return ids;
}

function textTurn(role: Turn["role"], text: string): Turn {
  return { role, blocks: [{ type: "text", text }] };
}

function resultText(content: string): string {
  return `Tool result: ${content}`;
}

function toolResult(id: string, content: string): Anthropic.ToolResultBlockParam {
  const block: Anthropic.ToolResultBlockParam = { type: "tool_result", tool_use_id: id };
  if (content) block.content = content;
  return block;
}

/** The API wants `input` as an object; stored arguments are JSON text (possibly malformed). */
function toolUse(call: ToolCall): Anthropic.ToolUseBlockParam {
  let input: unknown;
  try {
    input = JSON.parse(call.function.arguments || "{}");
  } catch {
    input = undefined;
  }
  const isObject = typeof input === "object" && input !== null && !Array.isArray(input);
  return {
    type: "tool_use",
    id: wireToolId(call.id),
    name: call.function.name,
    input: isObject ? input : { arguments: call.function.arguments },
  };
}

// The Messages API refuses any other tool id with a 400 ("String should match pattern").
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * A stored tool call id in the form the Messages API accepts. Ids minted elsewhere may not be
 * (Kimi's `functions.lookup:0`, V1 data): those are sanitised and given a hash of the whole id,
 * so a call and its result still match and two ids never merge into one. Valid ids are unchanged.
 */
export function wireToolId(id: string): string {
  if (TOOL_ID.test(id)) return id;
  const hash = createHash("sha256").update(id).digest("base64url").slice(0, 10);
  return `${id.slice(0, 48).replace(/[^a-zA-Z0-9_-]/g, "_")}_${hash}`;
}
