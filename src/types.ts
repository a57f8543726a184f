/** Who wrote a message. `function` is kept for V1 data and old OpenAI tool messages. */
export type MessageRole = "system" | "user" | "assistant" | "tool" | "function";
export const MESSAGE_ROLES: readonly MessageRole[] = [
  "system",
  "user",
  "assistant",
  "tool",
  "function",
];

export type SessionStatus = "active" | "paused" | "completed" | "archived" | "error";
export const SESSION_STATUSES: readonly SessionStatus[] = [
  "active",
  "paused",
  "completed",
  "archived",
  "error",
];

/** A tool call requested by the model, in OpenAI's neutral shape (arguments are JSON text). */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One message of a session's transcript, as stored. */
export interface SessionMessage {
  messageId: string;
  sessionId: string;
  role: MessageRole;
  content: string;
  timestamp: Date;
  metadata: Record<string, unknown>;
  tokenCount?: number;
  finishReason?: string;
  providerMessageId?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

/**
 * Token usage of one turn, from the provider's own counts (estimated for the mock).
 * `inputTokens` counts ALL input tokens, cached and cache-written ones included (as OpenAI
 * reports them; Anthropic adapters add `cache_read_input_tokens` and
 * `cache_creation_input_tokens` to `input_tokens`), so totals compare across providers.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from a prompt cache (OpenAI cached_tokens, Anthropic cache reads). */
  cachedTokens: number;
  /** Input tokens written to a prompt cache (Anthropic cache_creation_input_tokens). */
  cacheCreationTokens: number;
}

/** What the storage layer keeps about a session, counters included. */
export interface SessionRecord {
  sessionId: string;
  userId: string;
  provider: string;
  model: string;
  status: SessionStatus;
  providerSessionId: string | null;
  name: string | null;
  description: string | null;
  context: Record<string, unknown>;
  providerConfig: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  lastActivity: Date;
  messageCount: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheCreationTokens: number;
  /** Sum of the cost of every priced turn. */
  costUsd: number;
  /** Turns whose cost could not be computed (unknown model); when > 0 the total cost is unknown. */
  unpricedTurns: number;
}

/** `session.getMetrics()`. `costUsd` is null when any turn ran on a model with no known price. */
export interface SessionMetrics {
  totalMessages: number;
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheCreationTokens: number;
  /** Seconds from creation to the last activity. */
  sessionDuration: number;
  lastActivity: Date;
  costUsd: number | null;
  /** Turns that could not be priced; explains a null `costUsd`. */
  unpricedTurns: number;
}

/** Options of `getMessages`. `limit` returns the newest N, oldest first. */
export interface GetMessagesOptions {
  limit?: number;
}

/** Options of `getUserSessions`. Sessions come newest activity first. */
export interface ListSessionsOptions {
  status?: SessionStatus;
  /** Sessions per page; the rest are behind `nextCursor`. @default 100 (at most 1000) */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}
