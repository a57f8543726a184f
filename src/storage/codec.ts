import { isEmpty } from "../internal/clone.js";
import type { SessionMessage, SessionRecord, SessionStatus, ToolCall } from "../types.js";

/** The optional parts of a message, stored together as one JSON text (absent when all empty). */
interface Extras {
  metadata?: Record<string, unknown>;
  tokenCount?: number;
  finishReason?: string;
  providerMessageId?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

/** Extras other than the scalars most replies have; the memory store keeps those as fields. */
export const RARE_EXTRA_KEYS = ["toolCalls", "toolCallId"];
const EXTRA_KEYS = ["tokenCount", "finishReason", "providerMessageId", ...RARE_EXTRA_KEYS];

export function encodeExtras(
  m: SessionMessage,
  keys: readonly string[] = EXTRA_KEYS,
): string | null {
  // Allocated only when there is something to keep: most messages have no extras.
  let extras: Record<string, unknown> | undefined;
  if (!isEmpty(m.metadata)) extras = { metadata: m.metadata };
  for (const k of keys) {
    const v = (m as unknown as Record<string, unknown>)[k];
    if (v !== undefined) (extras ??= {})[k] = v;
  }
  return extras ? JSON.stringify(extras) : null;
}

export function decodeMessage(
  sessionId: string,
  messageId: string,
  role: SessionMessage["role"],
  content: string,
  timestamp: number,
  extras: string | null | undefined,
): SessionMessage {
  const message: SessionMessage = {
    messageId,
    sessionId,
    role,
    content,
    timestamp: new Date(timestamp),
    metadata: {},
  };
  // Most messages have no extras; the parse is skipped for them since reads are the hot path.
  return extras ? applyExtras(message, extras) : message;
}

/** Sets the fields stored in an extras JSON text (see `encodeExtras`) on a decoded message. */
export function applyExtras(message: SessionMessage, extras: string): SessionMessage {
  const { metadata, ...rest } = JSON.parse(extras) as Extras;
  if (metadata) message.metadata = metadata;
  return Object.assign(message, rest);
}

/** A `sessions` row as SQL backends store it (numbers may arrive as strings from Postgres). */
export interface SessionRow {
  session_id: string;
  user_id: string;
  provider: string;
  model: string;
  status: string;
  provider_session_id: string | null;
  name: string | null;
  description: string | null;
  context: string | Record<string, unknown>;
  provider_config: string | Record<string, unknown>;
  metadata: string | Record<string, unknown>;
  created_at: number | string;
  updated_at: number | string;
  last_activity: number | string;
  message_count: number | string;
  input_tokens: number | string;
  output_tokens: number | string;
  cached_tokens: number | string;
  cache_creation_tokens: number | string;
  cost_usd: number | string;
  unpriced_turns: number | string;
}

const json = (v: string | Record<string, unknown>): Record<string, unknown> =>
  typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : v;

export function rowToRecord(r: SessionRow): SessionRecord {
  return {
    sessionId: r.session_id,
    userId: r.user_id,
    provider: r.provider,
    model: r.model,
    status: r.status as SessionStatus,
    providerSessionId: r.provider_session_id,
    name: r.name,
    description: r.description,
    context: json(r.context),
    providerConfig: json(r.provider_config),
    metadata: json(r.metadata),
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
    lastActivity: new Date(Number(r.last_activity)),
    messageCount: Number(r.message_count),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cachedTokens: Number(r.cached_tokens),
    cacheCreationTokens: Number(r.cache_creation_tokens),
    costUsd: Number(r.cost_usd),
    unpricedTurns: Number(r.unpriced_turns),
  };
}

/** Positional values of a new `sessions` row, in the column order of `SESSION_COLUMNS`. */
export function recordToRow(r: SessionRecord): unknown[] {
  return [
    r.sessionId,
    r.userId,
    r.provider,
    r.model,
    r.status,
    r.providerSessionId,
    r.name,
    r.description,
    JSON.stringify(r.context),
    JSON.stringify(r.providerConfig),
    JSON.stringify(r.metadata),
    r.createdAt.getTime(),
    r.updatedAt.getTime(),
    r.lastActivity.getTime(),
    r.messageCount,
    r.inputTokens,
    r.outputTokens,
    r.cachedTokens,
    r.cacheCreationTokens,
    r.costUsd,
    r.unpricedTurns,
  ];
}

export const SESSION_COLUMNS =
  "session_id, user_id, provider, model, status, provider_session_id, name, description, " +
  "context, provider_config, metadata, created_at, updated_at, last_activity, message_count, " +
  "input_tokens, output_tokens, cached_tokens, cache_creation_tokens, cost_usd, unpriced_turns";
