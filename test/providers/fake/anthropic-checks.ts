/**
 * Request validation of the fake Anthropic API: what the real Messages API refuses with a 400
 * `invalid_request_error` (provider-wire.md §0, §2.1), so tests prove the adapter never sends it.
 * Stricter than the real API in one respect: consecutive same-role turns are refused instead of
 * merged, so the adapter must send a clean alternation.
 */
type Json = Record<string, unknown>;

export const NEW_VERSION = "2026-10-21";
const OLD_VERSION = "2023-06-01";

const FIELDS = new Set([
  "model",
  "max_tokens",
  "messages",
  "system",
  "metadata",
  "stop_sequences",
  "stream",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
  "cache_control",
  "service_tier",
  "inference_geo",
  "speed",
  "container",
  "diagnostics",
]);
// Accepted only under the old API version.
const OLD_ONLY = new Set(["temperature", "top_p", "top_k"]);

/** Returns the 400 message the real API would give, or null when the request is acceptable. */
export function checkRequest(body: unknown, version: string): string | null {
  if (version !== NEW_VERSION && version !== OLD_VERSION) {
    return `anthropic-version: unsupported version '${version}'`;
  }
  if (typeof body !== "object" || body === null) return "request body must be a JSON object";
  const b = body as Json;
  for (const field of Object.keys(b)) {
    if (FIELDS.has(field) || (version === OLD_VERSION && OLD_ONLY.has(field))) continue;
    return `${field}: Extra inputs are not permitted`;
  }
  if (typeof b.model !== "string" || !b.model) return "model: Field required";
  if (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 0) {
    return b.max_tokens === undefined ? "max_tokens: Field required" : "max_tokens: invalid";
  }
  if (b.metadata !== undefined) {
    const extra = Object.keys(b.metadata as Json).find((k) => k !== "user_id");
    if (extra) return `metadata.${extra}: Extra inputs are not permitted`;
  }
  if (b.system !== undefined && typeof b.system !== "string" && !Array.isArray(b.system)) {
    return "system: Input should be a valid string or list";
  }
  return checkMessages(b.messages);
}

function checkMessages(value: unknown): string | null {
  if (!Array.isArray(value)) return "messages: Field required";
  if (value.length === 0) return "messages: at least one message is required";
  const messages = value as Json[];
  for (const [i, m] of messages.entries()) {
    const problem = checkMessage(m, i, messages[i - 1]);
    if (problem) return problem;
  }
  if (messages.at(-1)!.role !== "user") {
    return "This model does not support assistant message prefill. The conversation must end with a user message.";
  }
  return checkToolPairs(messages);
}

function checkMessage(m: Json, i: number, previous: Json | undefined): string | null {
  if (m.role === "system") {
    return i === 0
      ? "messages.0: use the top-level 'system' parameter for the initial system prompt"
      : "role 'system' is not supported on this model";
  }
  if (m.role !== "user" && m.role !== "assistant") {
    return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
  }
  if (i === 0 && m.role !== "user") return 'messages: first message must use the "user" role';
  if (previous && previous.role === m.role) {
    return `messages: roles must alternate between "user" and "assistant", but found multiple "${String(m.role)}" roles in a row`;
  }
  const blocks = contentBlocks(m.content);
  if (blocks.length === 0) {
    return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
  }
  for (const [j, block] of blocks.entries()) {
    const idProblem = checkToolId(block, `messages.${i}.content.${j}`);
    if (idProblem) return idProblem;
    if (block.type === "text" && !block.text)
      return "messages: text content blocks must be non-empty";
    // The live API also refuses whitespace-only text (seen in public issue threads, e.g.
    // LibreChat-AI/agents#124), though the docs only say "non-empty".
    if (block.type === "text" && !/\S/.test(String(block.text)))
      return "messages: text content blocks must contain non-whitespace text";
    if (block.type === "tool_use" && m.role !== "assistant") {
      return `messages.${i}: tool_use blocks are only allowed in assistant messages`;
    }
    if (block.type === "tool_result" && m.role !== "user") {
      return `messages.${i}: tool_result blocks are only allowed in user messages`;
    }
    if (block.type === "tool_use" && (typeof block.input !== "object" || block.input === null)) {
      return `messages.${i}.content: tool_use.input: Input should be a valid dictionary`;
    }
  }
  const firstOther = blocks.findIndex((b) => b.type !== "tool_result");
  if (firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === "tool_result")) {
    return `messages.${i}: tool_result blocks must come before any other content`;
  }
  return null;
}

// The API's pattern for tool ids: a call id minted by another provider can fail it.
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;

function checkToolId(block: Json, at: string): string | null {
  const field =
    block.type === "tool_use" ? "id" : block.type === "tool_result" ? "tool_use_id" : null;
  if (!field || TOOL_ID.test(String(block[field]))) return null;
  return `${at}.${String(block.type)}.${field}: String should match pattern '^[a-zA-Z0-9_-]+$'`;
}

function checkToolPairs(messages: Json[]): string | null {
  for (const [i, m] of messages.entries()) {
    const blocks = contentBlocks(m.content);
    if (m.role === "assistant") {
      const answered = ids(contentBlocks(messages[i + 1]?.content), "tool_result", "tool_use_id");
      const missing = ids(blocks, "tool_use", "id").filter((id) => !answered.includes(id));
      if (missing.length) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}`;
      }
    } else {
      const asked = i > 0 ? ids(contentBlocks(messages[i - 1]!.content), "tool_use", "id") : [];
      const results = ids(blocks, "tool_result", "tool_use_id");
      const unexpected = results.filter((id) => !asked.includes(id));
      if (unexpected.length) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      if (new Set(results).size !== results.length) {
        return `messages.${i}.content: each tool_use_id may have only one tool_result`;
      }
    }
  }
  return null;
}

export function contentBlocks(content: unknown): Json[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return Array.isArray(content) ? (content as Json[]) : [];
}

function ids(blocks: Json[], type: string, key: string): string[] {
  return blocks.filter((b) => b.type === type).map((b) => String(b[key]));
}

/** The text the fake echoes: the last text (or tool result) block of the last user message. */
export function lastUserText(body: unknown): string {
  const messages = ((body as Json | null)?.messages ?? []) as Json[];
  const user = [...messages].reverse().find((m) => m.role === "user");
  const block = contentBlocks(user?.content).findLast(
    (b) => b.type === "text" || (b.type === "tool_result" && typeof b.content === "string"),
  );
  return String(block?.text ?? block?.content ?? "");
}
