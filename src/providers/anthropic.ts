import { untilStalled } from "./stall.js";
import type Anthropic from "@anthropic-ai/sdk";
import { ProviderOptions, parseOrThrow } from "../config.js";
import { ProviderError, ValidationError } from "../errors.js";
import { importLib } from "../internal/lazy.js";
import { registerSecret } from "../internal/redact.js";
import type { ToolCall } from "../types.js";
import {
  conversationMetadata,
  readSettings,
  validateSettings,
  type AnthropicSettings,
} from "./anthropic-config.js";
import { toAnthropicHistory } from "./anthropic-history.js";
import { withFinishReason } from "./finish.js";
import { displayUrl, registerClientSecrets } from "./client-options.js";
import { anthropicPriceOf, toProviderError, toUsage, type AnthropicSdk } from "./anthropic-wire.js";
import type {
  ModelPrice,
  ProviderAdapter,
  ProviderUsage,
  ProviderReply,
  ProviderSessionInfo,
  ProviderStreamEvent,
  ProviderTurnInput,
} from "./types.js";
import { reportedUsage, toolCall, ZERO_USAGE, type SpentAttempt } from "./types.js";
import { withSpent } from "./provider-failure.js";

const NAME = "anthropic";
// Above this `max_tokens` the SDK refuses a non-streaming call (it could outlast 10 minutes),
// so `sendTurn` streams and collects instead.
const MAX_NON_STREAMING_TOKENS = 21_333;

type Params = Anthropic.MessageCreateParamsNonStreaming;
type StreamEvent = Anthropic.RawMessageStreamEvent;

/**
 * Claude through the Messages API. The API keeps no conversation state, so the stored transcript
 * is sent every turn (`historyMode` "client"): system messages go to the top-level `system`,
 * tool calls and results stay paired. Fields the API version refuses (`temperature`, `top_p`,
 * `top_k` under 2026-10-21) are left out and listed in the reply's `metadata.droppedFields`.
 *
 * ```ts
 * const manager = createSessionManager({ providers: { anthropic: process.env.ANTHROPIC_API_KEY } });
 * const session = await manager.createSession("u1", "anthropic", "claude-sonnet-4-5", {
 *   providerConfig: { maxTokens: 1024, conversation_metadata: { topic: "coding" } },
 * });
 * const reply = await session.sendMessage("Hello!");
 * ```
 */
export class AnthropicProvider implements ProviderAdapter {
  readonly name = NAME;
  readonly #client: Anthropic;
  readonly #sdk: AnthropicSdk;
  readonly #warned = new Set<string>();

  constructor(client: Anthropic, sdk: AnthropicSdk) {
    this.#client = client;
    this.#sdk = sdk;
  }

  historyMode(): "client" {
    return "client";
  }

  validateConfig(config: Readonly<Record<string, unknown>>): void {
    validateSettings(config);
  }

  priceOf(model: string): ModelPrice | undefined {
    return anthropicPriceOf(model);
  }

  async getProviderMetadata(session: ProviderSessionInfo): Promise<Record<string, unknown>> {
    const baseURL = displayUrl(this.#client.baseURL);
    const meta: Record<string, unknown> = { historyMode: "client", baseURL };
    const conversation = conversationMetadata(session.providerConfig);
    if (conversation) meta.conversationMetadata = conversation;
    return meta;
  }

  async sendTurn(turn: ProviderTurnInput): Promise<ProviderReply> {
    const settings = readSettings(turn.session.providerConfig);
    if (settings.maxTokens > MAX_NON_STREAMING_TOKENS) return this.#collect(turn);
    try {
      const message = await this.#client.messages.create(
        this.#params(turn, settings),
        options(turn, settings),
      );
      const text = message.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
      const calls = message.content.flatMap((b) =>
        b.type === "tool_use" ? [toolCall(b.id, b.name, JSON.stringify(b.input ?? {}))] : [],
      );
      return reply(text, calls, message.stop_reason, message.id, toUsage(message.usage), settings);
    } catch (error) {
      // Some models have a lower cap of their own (the SDK's table): it refuses before sending.
      if (/streaming is required/i.test((error as Error)?.message)) return this.#collect(turn);
      throw toProviderError(NAME, this.#sdk, error);
    }
  }

  /**
   * A reply read from a stream, for calls the SDK will not make without one. If the stream fails,
   * what it was billed goes with the error, counted as a streamed turn counts it (`streamTurn`'s
   * usage events): the input from `message_start` on, and an unknown cost once output (text, a
   * tool call, thinking) began before the final output count.
   */
  async #collect(turn: ProviderTurnInput): Promise<ProviderReply> {
    let spent: SpentAttempt | undefined;
    let began = false;
    let final = false;
    try {
      for await (const event of this.streamTurn(turn)) {
        if (event.type === "done") return event.reply;
        if (event.type === "delta" || event.type === "output") began = true;
        if (event.type === "usage") {
          spent = { usage: reportedUsage(event) };
          final = event.outputPending !== true;
        }
      }
      throw new ProviderError(NAME, "the stream ended without a final reply", { retryable: true });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (began && !final) spent = { usage: spent?.usage ?? ZERO_USAGE, usageUnknown: true };
      throw withSpent(error, spent ? [spent] : []);
    }
  }

  async *streamTurn(turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent> {
    const settings = readSettings(turn.session.providerConfig);
    const acc = new Accumulator();
    try {
      const request = options(turn, settings);
      const stream = await this.#client.messages.create(
        { ...this.#params(turn, settings), stream: true },
        request,
      );
      for await (const event of untilStalled(stream, request.timeout ?? this.#client.timeout)) {
        const other = acc.otherOutput;
        const text = acc.add(event);
        if (text) yield { type: "delta", text };
        if (acc.otherOutput && !other) yield { type: "output" }; // once: a cut is then unpriced
        // The input is billed from message_start on: report it so a stream cut later still counts.
        // Its output_tokens is a placeholder: the count is known from message_delta on.
        if (event.type === "message_start") {
          yield { type: "usage", usage: acc.usage(), outputPending: true };
        } else if (event.type === "message_delta") {
          yield { type: "usage", usage: acc.usage() };
        }
      }
    } catch (error) {
      throw toProviderError(NAME, this.#sdk, error);
    }
    if (!acc.stopped) {
      throw new ProviderError(NAME, "the stream ended before the reply was complete", {
        retryable: true,
      });
    }
    yield { type: "done", reply: acc.reply(settings) };
  }

  #params(turn: ProviderTurnInput, settings: AnthropicSettings): Params {
    const { system, messages } = toAnthropicHistory([...turn.history, ...turn.input]);
    const params: Params = { model: turn.session.model, max_tokens: settings.maxTokens, messages };
    if (system) params.system = system;
    if (settings.tools?.length) params.tools = settings.tools;
    if (settings.stopSequences?.length) params.stop_sequences = settings.stopSequences;
    this.#warnDropped(settings.dropped);
    return params;
  }

  /** One process warning per refused field per adapter; each reply also records them. */
  #warnDropped(fields: readonly string[]): void {
    const fresh = fields.filter((f) => !this.#warned.has(f));
    if (fresh.length === 0) return;
    for (const f of fresh) this.#warned.add(f);
    process.emitWarning(
      `providerConfig ${fresh.join(", ")} not sent: Anthropic API version 2026-10-21 refuses ` +
        "these fields (each reply lists them in metadata.droppedFields)",
      { code: "LANGSWARM_ANTHROPIC_DROPPED_FIELDS" },
    );
  }
}

/**
 * Creates the adapter from manager options: `apiKey` (else ANTHROPIC_API_KEY), `baseURL` (the
 * host, without `/v1`), `timeoutMs`, `maxRetries`, `defaultHeaders`, or a ready `client`.
 * The SDK is imported here, when a session first uses the provider.
 */
export async function anthropicProvider(raw: Record<string, unknown>): Promise<AnthropicProvider> {
  const options = parseOrThrow(ProviderOptions, raw, `providers.${NAME}`);
  // Not retryable: no retry or fallback with the same install cures an SDK missing or broken.
  const unavailable = (message: string, cause: unknown) =>
    new ProviderError(NAME, message, { retryable: false, cause });
  const sdk = (await importLib("@anthropic-ai/sdk", () => import("@anthropic-ai/sdk"), unavailable))
    .default;
  if (options.client !== undefined) {
    // Duck-typed: the caller's client may come from another copy of the package.
    const client = options.client as Partial<Anthropic> | null;
    if (typeof client?.messages?.create !== "function") {
      throw new ValidationError(`providers.${NAME}.client`, "must be an Anthropic client");
    }
    registerSecret((client as Anthropic).apiKey);
    registerSecret((client as Anthropic).authToken);
    return new AnthropicProvider(client as Anthropic, sdk);
  }
  const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    throw new ValidationError(`providers.${NAME}.apiKey`, "is required (or ANTHROPIC_API_KEY)");
  }
  registerSecret(apiKey);
  registerClientSecrets(options);
  const client = new sdk({
    apiKey,
    // Undefined (not null) lets the SDK read ANTHROPIC_BASE_URL, as it does on its own.
    baseURL: options.baseURL,
    maxRetries: options.maxRetries ?? 2,
    defaultHeaders: options.defaultHeaders ?? {},
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return new AnthropicProvider(client, sdk);
}

function options(turn: ProviderTurnInput, settings: AnthropicSettings): Anthropic.RequestOptions {
  const out: Anthropic.RequestOptions = {};
  if (turn.signal) out.signal = turn.signal;
  if (settings.timeoutMs !== undefined) out.timeout = settings.timeoutMs;
  return out;
}

/** Builds the reply from a raw event stream: text in order, tool calls, usage, stop reason. */
class Accumulator {
  stopped = false;
  /** A block other than text began (tool_use, thinking): output billed as text is. */
  otherOutput = false;
  #id = "";
  #text = "";
  #stopReason: string | null = null;
  #usage: Partial<Anthropic.Usage> = {};
  readonly #tools = new Map<number, { id: string; name: string; json: string }>();

  /** Takes one event; returns the text it adds, if any. */
  add(event: StreamEvent): string {
    switch (event.type) {
      case "message_start":
        this.#id = event.message.id;
        this.#usage = { ...event.message.usage };
        return "";
      case "content_block_start":
        this.otherOutput ||= event.content_block.type !== "text";
        if (event.content_block.type === "tool_use") {
          const { id, name } = event.content_block;
          this.#tools.set(event.index, { id, name, json: "" });
        }
        return event.content_block.type === "text" ? this.#append(event.content_block.text) : "";
      case "content_block_delta":
        if (event.delta.type === "input_json_delta") {
          const tool = this.#tools.get(event.index);
          if (tool) tool.json += event.delta.partial_json;
        }
        return event.delta.type === "text_delta" ? this.#append(event.delta.text) : "";
      case "message_delta":
        this.#stopReason = event.delta.stop_reason ?? this.#stopReason;
        // Output is cumulative; input and cache counts are repeated only when they apply.
        for (const [k, v] of Object.entries(event.usage)) {
          if (typeof v === "number") (this.#usage as Record<string, number>)[k] = v;
        }
        return "";
      case "message_stop":
        this.stopped = true;
        return "";
      default:
        return "";
    }
  }

  usage(): ProviderUsage {
    return toUsage(this.#usage);
  }

  reply(settings: AnthropicSettings): ProviderReply {
    const calls = [...this.#tools.values()].map((t) => toolCall(t.id, t.name, t.json || "{}"));
    return reply(this.#text, calls, this.#stopReason, this.#id, this.usage(), settings);
  }

  #append(text: string): string {
    this.#text += text;
    return text;
  }
}

function reply(
  content: string,
  toolCalls: ToolCall[],
  stopReason: string | null,
  id: string,
  usage: ProviderReply["usage"],
  settings: AnthropicSettings,
): ProviderReply {
  const out: ProviderReply = { content, usage };
  if (id) out.providerMessageId = id;
  if (toolCalls.length > 0) out.toolCalls = toolCalls;
  if (settings.dropped.length > 0) out.metadata = { droppedFields: [...settings.dropped] };
  return withFinishReason(out, stopReason);
}
