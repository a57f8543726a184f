import type { SessionMessage, TokenUsage, ToolCall } from "../types.js";

/**
 * Who owns a session's model input history:
 * - `none`: each reply depends only on the new input (the echo mock);
 * - `client`: the adapter is sent the stored transcript every turn (Anthropic, Chat Completions);
 * - `native`: the provider keeps it (OpenAI conversations); only new input is sent.
 * Turns of `client` and `native` sessions are serialised across processes when storage can.
 */
export type HistoryMode = "none" | "client" | "native";

/** What an adapter knows about the session it serves. Read-only snapshot. */
export interface ProviderSessionInfo {
  sessionId: string;
  userId: string;
  model: string;
  providerSessionId: string | null;
  providerConfig: Readonly<Record<string, unknown>>;
  metadata: Readonly<Record<string, unknown>>;
}

export interface ProviderTurnInput {
  session: ProviderSessionInfo;
  /** The stored transcript before this turn; empty unless `historyMode` is `client`. */
  history: readonly SessionMessage[];
  /**
   * The messages this turn adds (a user or tool message), with the ids they will be stored
   * under; they are stored with the reply, so they are not in storage or `history` yet.
   */
  input: readonly SessionMessage[];
  /**
   * `native` only: calls of the model's last reply that the provider's conversation holds without
   * a result, when this turn answers none of them (the user wrote instead). The conversation
   * refuses any input until they are answered, so the adapter sends a "no result" output for each
   * first. Results already given for other calls of that reply are at the start of `input`.
   */
  openToolCalls?: readonly string[];
  signal?: AbortSignal;
}

/** A model reply, before it is stored. */
export interface ProviderReply {
  content: string;
  usage: ProviderUsage;
  /**
   * The provider never said what the turn spent (a server that ignores
   * `stream_options.include_usage`, a stream cut before its usage event): `usage` is then zeros,
   * and the turn counts in `unpricedTurns` instead of costing $0.
   */
  usageUnknown?: boolean;
  finishReason?: string;
  providerMessageId?: string;
  toolCalls?: ToolCall[];
  /** Kept in the stored message's metadata (e.g. `fallbackFrom`, `droppedFields`). */
  metadata?: Record<string, unknown>;
  /** The model that produced the reply when it is not the session's (a fallback); prices the turn. */
  model?: string;
  /**
   * Tokens this turn spent on attempts that gave no reply (a fallback chain's cut stream, or a
   * failed call that was billed: see `ProviderError.spent`), each priced at its own model and
   * counted with this reply. Set by the fallback chain and the session layer.
   */
  earlier?: readonly SpentAttempt[];
}

/** What an attempt that gave no reply cost: its tokens, and its model if not the session's. */
export interface SpentAttempt {
  usage: ProviderUsage;
  model?: string;
  /** As `ProviderReply.usageUnknown`. */
  usageUnknown?: boolean;
}

/**
 * Token counts as an adapter reports them: the stored four, and what prices some of them
 * differently. Only the four `TokenUsage` counts are stored.
 */
export interface ProviderUsage extends TokenUsage {
  /**
   * Of `cacheCreationTokens`, those written to a cache that lives one hour (Anthropic's
   * `ttl: "1h"`), billed at `ModelPrice.cacheWrite1h`; the rest are priced at `cacheWrite`.
   */
  cacheCreation1hTokens?: number;
}

/**
 * `usage` reports tokens spent so far, as soon as the provider tells (so a stream that breaks
 * off is stored with what it cost); the `done` reply's usage is the final count. `outputPending`
 * marks a report whose output count is still a placeholder (Anthropic's `message_start`): a
 * stream cut after output (text, or an `output` event) from then on spent an unknown output,
 * and is counted as unpriced (its input tokens kept) until a report without it arrives. `usageUnknown` says the attempt was
 * billed an amount nobody knows (as on a reply): the turn is then unpriced. `output` says the
 * model began output that is not text (a tool call, reasoning), at most once per attempt: it is
 * billed as text is, so a cut after it without a final count is unpriced too.
 */
export type ProviderStreamEvent =
  | { type: "delta"; text: string }
  | { type: "output" }
  | { type: "usage"; usage: ProviderUsage; outputPending?: boolean; usageUnknown?: boolean }
  /** A fallback chain moved on: what follows is this model's reply, carrying this metadata. */
  | { type: "fallback"; model: string; metadata: Record<string, unknown> }
  | { type: "done"; reply: ProviderReply };

/** Price of a model in US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input tokens; defaults to `input`. */
  cachedInput?: number;
  /** Tokens written to a prompt cache (Anthropic's 5-minute writes); defaults to `input`. */
  cacheWrite?: number;
  /** Tokens written to a 1-hour prompt cache; defaults to twice `input`, Anthropic's rate. */
  cacheWrite1h?: number;
  /**
   * Rates for a turn whose prompt (`inputTokens`, cached tokens included) is longer than
   * `inputTokensOver`, which some models bill higher as a whole (Haiku 5.5 over 100k tokens).
   */
  longContext?: { inputTokensOver: number; price: Omit<ModelPrice, "longContext"> };
}

/**
 * The provider contract: one file per provider implements it (`mock.ts`, `openai.ts`, …).
 * Only `sendTurn`, `streamTurn` and `historyMode` are required; the rest are capabilities that
 * the session uses when present.
 */
export interface ProviderAdapter {
  readonly name: string;
  historyMode(session: ProviderSessionInfo): HistoryMode;
  /** The reply; an adapter that has it at once (the mock) may return it without a promise. */
  sendTurn(turn: ProviderTurnInput): ProviderReply | Promise<ProviderReply>;
  /** Yields text deltas in order, then exactly one `done` with the whole reply. */
  streamTurn(turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent>;
  /** Checks a session's provider config before anything is stored; throws `ValidationError`. */
  validateConfig?(providerConfig: Readonly<Record<string, unknown>>): void;
  /**
   * Creates provider-side state (an OpenAI conversation); returns its id. `history` is the stored
   * transcript when a session with messages moves to this provider (`switchProvider`).
   */
  createProviderSession?(
    session: ProviderSessionInfo,
    history?: readonly SessionMessage[],
  ): Promise<string | null>;
  deleteProviderSession?(session: ProviderSessionInfo): Promise<void>;
  /**
   * Delivers a system message to provider-side state (client-side adapters read it from history).
   * May return an undo, called if the message then cannot be stored: the model and the stored
   * transcript never disagree.
   */
  addSystemMessage?(
    session: ProviderSessionInfo,
    message: SessionMessage,
  ): Promise<void | (() => Promise<void>)>;
  getProviderMetadata?(session: ProviderSessionInfo): Promise<Record<string, unknown>>;
  /** Built-in prices for this provider's models; the user's pricing table wins. */
  priceOf?(model: string): ModelPrice | undefined;
  /** Called once by `manager.close()`, whether or not a session used the adapter. */
  close?(): Promise<void>;
}

export const ZERO_USAGE: Readonly<TokenUsage> = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheCreationTokens: 0,
});

/**
 * What a `usage` event counts as spent: its output is a placeholder while `outputPending`, so
 * none of it is counted (the input is).
 */
export function reportedUsage(
  event: Extract<ProviderStreamEvent, { type: "usage" }>,
): ProviderUsage {
  return event.outputPending ? { ...event.usage, outputTokens: 0 } : event.usage;
}

/** A function call as stored (`SessionMessage.toolCalls`), whichever API produced it. */
export function toolCall(id: string, name: string, args: string): ToolCall {
  return { id, type: "function", function: { name, arguments: args } };
}
