import { createHash } from "node:crypto";
import { ZERO_COUNTERS } from "../storage/record.js";
import type { SessionMessage, SessionRecord, SessionStatus, ToolCall } from "../types.js";
import { MESSAGE_ROLES } from "../types.js";
import { mapV1ProviderToV2 } from "./provider-map.js";
import type { V1Message, V1Session } from "./v1-reader.js";
import type { V1Clock } from "./v1-time.js";

/** How V1 sessions become V2 records. */
export interface ConvertOptions {
  clock: V1Clock;
  /** `keep` reuses V1 ids; `renew` derives a stable UUID from each V1 id (re-runs find it again). */
  sessionIds: "keep" | "renew";
  providerMap: Readonly<Record<string, string>>;
}

/** A V1 session ready to be written: the record (counters at zero) and its messages in order. */
export interface ConvertedSession {
  v1SessionId: string;
  record: SessionRecord;
  messages: SessionMessage[];
  warnings: string[];
  /** The V1 provider name when no mapping knew it (kept as the V2 provider). */
  unknownProvider: string | null;
}

/** V2 has no `inactive`/`expired`: the closest V2 status, with the V1 value kept as `v1Status`. */
const STATUS_MAP: Readonly<Record<string, SessionStatus>> = {
  active: "active",
  archived: "archived",
  inactive: "paused",
  expired: "completed",
};

// Fixed namespace so `renew` ids are the same on every run (RFC 4122 §4.3, name-based, SHA-1).
const RENEW_NAMESPACE = "langswarm-session:v1:";

/** The V2 id a V1 session gets. */
export function targetSessionId(v1SessionId: string, mode: "keep" | "renew"): string {
  if (mode === "keep") return v1SessionId;
  const h = createHash("sha1")
    .update(RENEW_NAMESPACE + v1SessionId)
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Converts one V1 session; throws an `Error` naming the bad field when a value is unusable. */
export function convertSession(v1: V1Session, options: ConvertOptions): ConvertedSession {
  const md = v1.metadata;
  const warnings = [...v1.warnings];
  const sessionId = targetSessionId(v1.sessionId, options.sessionIds);
  const mapped = mapV1ProviderToV2(md.provider, options.providerMap);
  let status = STATUS_MAP[md.status];
  if (!status) {
    status = "paused";
    warnings.push(`unknown status "${md.status}" migrated as "paused"`);
  }
  const createdAt = time(options.clock, md.created_at, "metadata.created_at");
  const updatedAt = time(options.clock, md.updated_at, "metadata.updated_at");
  const lastActivity =
    typeof md.last_activity === "string"
      ? time(options.clock, md.last_activity, "metadata.last_activity")
      : updatedAt;
  const messages = convertMessages(sessionId, v1.messages, options.clock, warnings);
  if (md.message_count !== messages.length) {
    warnings.push(
      `metadata.message_count is ${String(md.message_count)} but ${messages.length} messages are stored (the messages are migrated)`,
    );
  }
  const record: SessionRecord = {
    sessionId,
    userId: md.user_id,
    provider: mapped ?? md.provider,
    model: md.model,
    status,
    // A Mistral conversation id is a live provider handle; the OpenAI Assistants thread id is not
    // (that API is shut down), so it stays in metadata only.
    providerSessionId: stringOrNull(md.provider_conversation_id),
    name: null,
    description: `Migrated from V1 session ${v1.sessionId}`,
    context: {},
    providerConfig: {},
    metadata: sessionMetadata(v1, messages.length),
    createdAt,
    updatedAt,
    lastActivity,
    ...ZERO_COUNTERS,
  };
  return {
    v1SessionId: v1.sessionId,
    record,
    messages,
    warnings,
    unknownProvider: mapped === null ? md.provider : null,
  };
}

function sessionMetadata(v1: V1Session, stored: number): Record<string, unknown> {
  const md = v1.metadata;
  const h = v1.history;
  const out: Record<string, unknown> = {
    migratedFrom: "v1",
    v1SessionId: v1.sessionId,
    v1Provider: md.provider,
    v1Status: md.status,
    v1SessionControl: md.session_control,
    v1Messages: stored,
    tags: Array.isArray(md.tags) ? md.tags : [],
    customMetadata: isObject(md.custom_metadata) ? md.custom_metadata : {},
  };
  const optional: [string, unknown][] = [
    ["v1MessageCount", md.message_count],
    ["v1TotalTokens", md.total_tokens],
    ["v1HistoryTotalTokens", h.total_tokens],
    ["v1ProviderThreadId", md.provider_thread_id],
    ["v1ProviderConversationId", md.provider_conversation_id],
    ["v1ProviderAgentId", md.provider_agent_id],
    ["v1ContextLimit", md.context_limit],
    ["v1AutoTruncate", md.auto_truncate],
    ["v1SummarizationEnabled", md.summarization_enabled],
    ["v1Summary", h.summary],
    ["v1TruncatedAt", h.truncated_at],
    ["v1LastActivity", md.last_activity],
  ];
  for (const [key, value] of optional) if (value !== undefined && value !== null) out[key] = value;
  return out;
}

function convertMessages(
  sessionId: string,
  v1: readonly V1Message[],
  clock: V1Clock,
  warnings: string[],
): SessionMessage[] {
  const ids = uniqueIds(v1);
  if (ids.renamed > 0) warnings.push(`${ids.renamed} duplicate message ids renamed`);
  return v1.map((m, i) => convertMessage(sessionId, m, i, ids.ids[i]!, clock));
}

/**
 * Message ids must be unique within a V2 session; V1 repeats some (truncation copies, `*_unknown`).
 * Later repeats get `<id>~<n>`, deterministic in stored order, so re-runs produce the same ids.
 */
function uniqueIds(v1: readonly V1Message[]): { ids: string[]; renamed: number } {
  const ids = v1.map((m) => m.id);
  const taken = new Set(ids);
  if (taken.size === ids.length) return { ids, renamed: 0 };
  const seen = new Set<string>();
  let renamed = 0;
  const out = ids.map((id) => {
    if (!seen.has(id)) {
      seen.add(id);
      return id;
    }
    let n = 2;
    while (taken.has(`${id}~${n}`)) n++;
    const fresh = `${id}~${n}`;
    taken.add(fresh);
    renamed++;
    return fresh;
  });
  return { ids: out, renamed };
}

function convertMessage(
  sessionId: string,
  m: V1Message,
  index: number,
  messageId: string,
  clock: V1Clock,
): SessionMessage {
  const field = `history.messages[${index}]`;
  if (!MESSAGE_ROLES.includes(m.role as SessionMessage["role"])) {
    throw new Error(`${field}.role "${m.role}" is not a known role`);
  }
  if (messageId.length === 0 || messageId.length > 1024) {
    throw new Error(`${field}.id must have 1 to 1024 characters`);
  }
  // The parsed blob is ours alone: its metadata object is reused rather than copied.
  const metadata: Record<string, unknown> = isObject(m.metadata)
    ? m.metadata
    : m.metadata === undefined || m.metadata === null
      ? {}
      : { v1Metadata: m.metadata };
  metadata.v1Timestamp = m.timestamp;
  if (messageId !== m.id) metadata.v1MessageId = m.id;
  if (m.content === null) metadata.v1ContentNull = true;
  const message: SessionMessage = {
    messageId,
    sessionId,
    role: m.role as SessionMessage["role"],
    content: m.content ?? "",
    timestamp: time(clock, m.timestamp, `${field}.timestamp`),
    metadata,
  };
  const toolCalls = convertToolCalls(m.tool_calls, metadata);
  if (toolCalls) message.toolCalls = toolCalls;
  if (typeof m.tool_call_id === "string") message.toolCallId = m.tool_call_id;
  else if (m.tool_call_id != null) metadata.v1ToolCallId = m.tool_call_id;
  if (typeof m.provider_message_id === "string") message.providerMessageId = m.provider_message_id;
  else if (m.provider_message_id != null) metadata.v1ProviderMessageId = m.provider_message_id;
  if (typeof metadata.finish_reason === "string") message.finishReason = metadata.finish_reason;
  return message;
}

/**
 * V1 stored tool calls verbatim. OpenAI-shaped calls are kept as they are; Anthropic `tool_use`
 * blocks are converted to the neutral shape; anything else stays only in `metadata.v1ToolCalls`.
 * Whenever the stored value is not the verbatim V1 value, the original is kept in metadata.
 */
function convertToolCalls(
  value: unknown,
  metadata: Record<string, unknown>,
): ToolCall[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) {
    metadata.v1ToolCalls = value;
    return undefined;
  }
  const out: ToolCall[] = [];
  let changed = false;
  for (const call of value) {
    const converted = toolCall(call);
    if (!converted) {
      metadata.v1ToolCalls = value;
      return undefined;
    }
    if (converted !== call) changed = true;
    out.push(converted);
  }
  if (changed) metadata.v1ToolCalls = value;
  return out;
}

function toolCall(call: unknown): ToolCall | null {
  if (!isObject(call) || typeof call.id !== "string") return null;
  const fn = call.function;
  if (isObject(fn) && typeof fn.name === "string" && typeof fn.arguments === "string") {
    if (call.type === "function") return call as unknown as ToolCall;
    if (call.type === undefined) {
      return {
        id: call.id,
        type: "function",
        function: { name: fn.name, arguments: fn.arguments },
      };
    }
    return null;
  }
  if (call.type === "tool_use" && typeof call.name === "string") {
    const args = JSON.stringify(call.input ?? {});
    return { id: call.id, type: "function", function: { name: call.name, arguments: args } };
  }
  return null;
}

function time(clock: V1Clock, value: string, field: string): Date {
  const date = clock.parse(value);
  if (!date) throw new Error(`${field} "${value}" is not an ISO date-time`);
  return date;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
