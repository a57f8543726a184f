import { untilStalled } from "./stall.js";
import type OpenAI from "openai";
import { ProviderError, ValidationError } from "../errors.js";
import type { SessionMessage } from "../types.js";
import {
  connect,
  inBandError,
  pairToolCalls,
  readSampling,
  responsesUsage,
  toProviderError,
  validateSampling,
  type OpenAIConnection,
} from "./openai-shared.js";
import { conversationMetadata, givenMetadata } from "./openai-metadata.js";
import { openaiPriceOf } from "./openai-prices.js";
import { requestOptions, untilAborted } from "./openai-retry.js";
import { noResults, samplingParams, toInputItems, toReply } from "./openai-responses.js";
import type {
  HistoryMode,
  ModelPrice,
  ProviderAdapter,
  ProviderReply,
  ProviderSessionInfo,
  ProviderStreamEvent,
  ProviderTurnInput,
} from "./types.js";

const NAME = "openai";
// The Responses API refuses a smaller max_output_tokens.
const MIN_OUTPUT_TOKENS = 16;
// Conversations API limit: items per create call.
const MAX_ITEMS_PER_CALL = 20;

/**
 * OpenAI through the Responses API. By default the provider keeps the history: each session
 * owns a conversation (`conv_…`, its `providerSessionId`) and a turn sends only the new input.
 * With `nativeState: false` (provider option or session `providerConfig`) the stored transcript
 * is sent each turn instead, with `store: false`.
 *
 * ```ts
 * const manager = createSessionManager({ providers: { openai: process.env.OPENAI_API_KEY } });
 * const session = await manager.createSession("u1", "openai", "gpt-4o-mini");
 * session.providerSessionId; // "conv_…"
 * ```
 */
export class OpenAIProvider implements ProviderAdapter {
  readonly name = NAME;
  readonly #conn: OpenAIConnection;
  readonly #nativeDefault: boolean;
  readonly #warned = new Set<string>();

  constructor(conn: OpenAIConnection, options: { nativeState?: boolean } = {}) {
    this.#conn = conn;
    this.#nativeDefault = options.nativeState ?? true;
  }

  get #client(): OpenAI {
    return this.#conn.client;
  }

  /**
   * Native only when the session holds a conversation id: a session moved here from elsewhere
   * with another kind of id (a V1 `thread_…`) is served from the stored transcript instead.
   */
  historyMode(session: ProviderSessionInfo): HistoryMode {
    return this.#wantsNative(session) && conversationOf(session) ? "native" : "client";
  }

  validateConfig(config: Readonly<Record<string, unknown>>): void {
    for (const field of ["assistantId", "assistant_id"]) {
      if (config[field] !== undefined) {
        throw new ValidationError(
          `providerConfig.${field}`,
          "the OpenAI Assistants API was shut down on 2026-08-26; sessions use conversations " +
            "(the default) instead, so remove this setting",
        );
      }
    }
    if (config.nativeState !== undefined && typeof config.nativeState !== "boolean") {
      throw new ValidationError("providerConfig.nativeState", "must be a boolean");
    }
    givenMetadata(config);
    validateSampling(config, MIN_OUTPUT_TOKENS);
  }

  priceOf(model: string): ModelPrice | undefined {
    return openaiPriceOf(model);
  }

  /** Creates the session's conversation, seeded with `history` when the session already has one. */
  async createProviderSession(
    session: ProviderSessionInfo,
    history: readonly SessionMessage[] = [],
  ): Promise<string | null> {
    if (!this.#wantsNative(session)) return null;
    const items = toInputItems(pairToolCalls(history));
    return this.#call(async () => {
      const conversation = await this.#client.conversations.create({
        metadata: conversationMetadata(session),
        items: items.slice(0, MAX_ITEMS_PER_CALL),
      });
      for (let i = MAX_ITEMS_PER_CALL; i < items.length; i += MAX_ITEMS_PER_CALL) {
        const batch = items.slice(i, i + MAX_ITEMS_PER_CALL);
        await this.#client.conversations.items.create(conversation.id, { items: batch });
      }
      return conversation.id;
    });
  }

  /** A fresh conversation for `clearMessages`; the old one is deleted. */
  async deleteProviderSession(session: ProviderSessionInfo): Promise<void> {
    const id = conversationOf(session);
    if (!id) return;
    await this.#call(async () => {
      try {
        await this.#client.conversations.delete(id);
      } catch (error) {
        // Already gone is what deleting wanted (a client from another copy of the SDK has other
        // classes, so the status decides).
        if ((error as { status?: unknown })?.status !== 404) throw error;
      }
    });
  }

  /**
   * A developer message added to the conversation itself: it stays in the model's context for
   * every later turn, as a system message did in a thread. (`instructions` would apply to one
   * response only and is not kept in the conversation.)
   */
  async addSystemMessage(
    session: ProviderSessionInfo,
    message: SessionMessage,
  ): Promise<void | (() => Promise<void>)> {
    const id = this.historyMode(session) === "native" ? conversationOf(session) : null;
    if (!id) return;
    const added = await this.#call(() =>
      this.#client.conversations.items.create(id, { items: toInputItems([message]) }),
    );
    return () =>
      this.#call(async () => {
        for (const item of added.data) {
          await this.#client.conversations.items.delete(item.id!, { conversation_id: id });
        }
      });
  }

  async getProviderMetadata(session: ProviderSessionInfo): Promise<Record<string, unknown>> {
    const mode = this.historyMode(session);
    const id = conversationOf(session);
    if (mode !== "native" || !id) return { historyMode: mode };
    const conversation = await this.#call(() => this.#client.conversations.retrieve(id));
    return {
      historyMode: mode,
      conversationId: conversation.id,
      conversationCreatedAt: new Date(conversation.created_at * 1000).toISOString(),
      conversationMetadata: conversation.metadata ?? {},
    };
  }

  async sendTurn(turn: ProviderTurnInput): Promise<ProviderReply> {
    const options = requestOptions(this.#conn, turn.session, turn.signal);
    const { body, dropped } = this.#request(turn);
    const response = await this.#call(
      () => this.#client.responses.create({ ...body, stream: false }, options),
      turn.signal,
    );
    return withDropped(toReply(NAME, response), dropped);
  }

  async *streamTurn(turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent> {
    const options = requestOptions(this.#conn, turn.session, turn.signal);
    let final: OpenAI.Responses.Response | undefined;
    let began = false; // output other than text (see `startsOtherOutput`), said once
    const { body, dropped } = this.#request(turn);
    try {
      const request = this.#client.responses.create({ ...body, stream: true }, options);
      const stream = await untilAborted(this.#conn.sdk, request, turn.signal);
      for await (const event of untilStalled(stream, options.timeout ?? this.#client.timeout)) {
        // A refusal is reply text too: the stored content must equal the streamed deltas.
        if (
          event.type === "response.output_text.delta" ||
          event.type === "response.refusal.delta"
        ) {
          yield { type: "delta", text: event.delta };
        } else if (!began && startsOtherOutput(event)) {
          began = true;
          yield { type: "output" };
        } else if (
          event.type === "response.completed" ||
          event.type === "response.incomplete" ||
          event.type === "response.failed" // toReply raises its error
        ) {
          final = event.response;
          if (final.usage) yield { type: "usage", usage: responsesUsage(final.usage) };
        } else if (event.type === "error") {
          throw inBandError(NAME, event.code, event.message, event.param);
        }
      }
    } catch (error) {
      throw toProviderError(this.#conn, error);
    }
    if (!final) {
      throw new ProviderError(NAME, "the stream ended before the response completed", {
        retryable: true,
      });
    }
    yield { type: "done", reply: withDropped(toReply(NAME, final), dropped) };
  }

  /** The request body, and the settings left out because the model refuses them. */
  #request(turn: ProviderTurnInput): { body: ResponseBody; dropped: string[] } {
    const { session } = turn;
    const { params, dropped } = samplingParams(readSampling(session.providerConfig), session.model);
    this.#warnDropped(session.model, dropped);
    const conversation = this.historyMode(session) === "native" ? conversationOf(session) : null;
    if (conversation) {
      // The conversation holds the history: resending it would duplicate its items.
      const input = [...noResults(turn.openToolCalls), ...toInputItems(turn.input)];
      return { body: { model: session.model, conversation, input, ...params }, dropped };
    }
    const input = toInputItems(pairToolCalls([...turn.history, ...turn.input]));
    return { body: { model: session.model, input, store: false, ...params }, dropped };
  }

  /** One process warning per refused field per adapter; each reply also records them. */
  #warnDropped(model: string, fields: readonly string[]): void {
    const fresh = fields.filter((f) => !this.#warned.has(f));
    if (fresh.length === 0) return;
    for (const f of fresh) this.#warned.add(f);
    process.emitWarning(
      `providerConfig ${fresh.join(", ")} not sent: reasoning models such as ${model} refuse ` +
        "these fields (each reply lists them in metadata.droppedFields)",
      { code: "LANGSWARM_OPENAI_DROPPED_FIELDS" },
    );
  }

  #wantsNative(session: ProviderSessionInfo): boolean {
    const own = session.providerConfig.nativeState;
    return typeof own === "boolean" ? own : this.#nativeDefault;
  }

  /** Runs an SDK call, ended early by `signal`; any failure becomes a `ProviderError`. */
  async #call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await untilAborted(this.#conn.sdk, fn(), signal);
    } catch (error) {
      throw toProviderError(this.#conn, error);
    }
  }
}

/** Creates the adapter from manager options (`providers: { openai: { apiKey, … } }`). */
export async function openaiProvider(options: Record<string, unknown>): Promise<OpenAIProvider> {
  const { nativeState, ...rest } = options;
  if (nativeState !== undefined && typeof nativeState !== "boolean") {
    throw new ValidationError(`providers.${NAME}.nativeState`, "must be a boolean");
  }
  const conn = await connect(NAME, rest, { keyRequired: true });
  // With a fallback chain another provider may answer a turn, and that turn would be missing
  // from the conversation: the transcript must own the history unless the user says otherwise.
  const hasFallback = Array.isArray(options.fallback) && options.fallback.length > 0;
  return new OpenAIProvider(conn, { nativeState: nativeState ?? !hasFallback });
}

type ResponseBody = OpenAI.Responses.ResponseCreateParamsNonStreaming;

/**
 * An item other than a message (a function call, reasoning) began: output billed as text is, so a
 * stream cut after it without `response.completed` is unpriced.
 */
function startsOtherOutput(event: OpenAI.Responses.ResponseStreamEvent): boolean {
  if (event.type === "response.output_item.added") return event.item.type !== "message";
  return event.type === "response.function_call_arguments.delta";
}

/** The reply, listing the settings that were not sent (as the Anthropic adapter does). */
function withDropped(reply: ProviderReply, dropped: readonly string[]): ProviderReply {
  if (dropped.length === 0) return reply;
  return { ...reply, metadata: { ...reply.metadata, droppedFields: [...dropped] } };
}

function conversationOf(session: ProviderSessionInfo): string | null {
  const id = session.providerSessionId;
  return id?.startsWith("conv_") ? id : null;
}
