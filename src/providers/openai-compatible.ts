import { randomBytes } from "node:crypto";
import type OpenAI from "openai";
import { untilStalled } from "./stall.js";
import { ProviderError, ValidationError } from "../errors.js";
import type { SessionMessage, ToolCall } from "../types.js";
import { displayUrl } from "./client-options.js";
import { withFinishReason } from "./finish.js";
import {
  asResultText,
  chatUsage,
  connect,
  pairToolCalls,
  readSampling,
  toProviderError,
  validateSampling,
  type OpenAIConnection,
} from "./openai-shared.js";
import { requestOptions, untilAborted } from "./openai-retry.js";
import type {
  ModelPrice,
  ProviderAdapter,
  ProviderReply,
  ProviderStreamEvent,
  ProviderTurnInput,
} from "./types.js";
import { toolCall } from "./types.js";

const NAME = "openai-compatible";
type ChatMessage = OpenAI.Chat.ChatCompletionMessageParam;
type ChatParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/**
 * Any server that speaks OpenAI's Chat Completions (Ollama, vLLM, LM Studio, …) at `baseURL`.
 * The transcript is kept client-side and sent every turn. `apiKey` is optional; without one no
 * `Authorization` header is sent (the OPENAI_API_KEY environment variable is never used here).
 *
 * ```ts
 * const manager = createSessionManager({
 *   providers: { "openai-compatible": { baseURL: "http://localhost:11434/v1" } },
 *   pricing: { "llama3.2": { input: 0, output: 0 } },
 * });
 * const session = await manager.createSession("u1", "openai-compatible", "llama3.2");
 * ```
 */
export class OpenAICompatibleProvider implements ProviderAdapter {
  readonly name = NAME;
  readonly #conn: OpenAIConnection;
  // False once the server refused `stream_options` (see `#openStream`).
  #streamOptions = true;

  constructor(conn: OpenAIConnection) {
    this.#conn = conn;
  }

  historyMode(): "client" {
    return "client";
  }

  validateConfig(config: Readonly<Record<string, unknown>>): void {
    validateSampling(config);
  }

  async getProviderMetadata(): Promise<Record<string, unknown>> {
    return { historyMode: "client", baseURL: displayUrl(this.#conn.client.baseURL) };
  }

  /** Self-hosted models have no list price: set one with the manager's `pricing` option. */
  priceOf(): ModelPrice | undefined {
    return undefined;
  }

  async sendTurn(turn: ProviderTurnInput): Promise<ProviderReply> {
    const options = requestOptions(this.#conn, turn.session, turn.signal);
    try {
      const request = this.#conn.client.chat.completions.create(body(turn), options);
      const completion = await untilAborted(this.#conn.sdk, request, turn.signal);
      const choice = completion.choices[0];
      if (!choice) throw new ProviderError(NAME, "the reply had no choices", { retryable: true });
      const toolCalls = (choice.message.tool_calls ?? []).flatMap((c) =>
        c.type === "function"
          ? [toolCall(c.id || newCallId(), c.function.name, c.function.arguments)]
          : [],
      );
      // A refusal comes as its own field, with no content: it is the reply's text.
      const { content, refusal } = choice.message;
      return reply(
        content ?? refusal ?? "",
        toolCalls,
        !content && refusal ? "refusal" : choice.finish_reason,
        completion.id,
        completion.usage,
      );
    } catch (error) {
      throw toProviderError(this.#conn, error);
    }
  }

  async *streamTurn(turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent> {
    const options = requestOptions(this.#conn, turn.session, turn.signal);
    const calls: StreamedCalls = { all: [], at: new Map() };
    let text = "";
    let id = "";
    let finish: string | null = null;
    let refused = false;
    let began = false; // a tool call began: output billed as text is, said once
    let usage: OpenAI.CompletionUsage | null | undefined;
    try {
      const stream = await this.#openStream(turn, options);
      const timeout = options.timeout ?? this.#conn.client.timeout;
      for await (const chunk of untilStalled(stream, timeout)) {
        id ||= chunk.id;
        // The usage chunk comes last, with no choices.
        if (chunk.usage) {
          usage = chunk.usage;
          yield { type: "usage", usage: chatUsage(usage) };
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta.content || choice.delta.refusal;
        if (delta) {
          refused ||= !choice.delta.content;
          text += delta;
          yield { type: "delta", text: delta };
        }
        if (!began && startsOtherOutput(choice.delta)) {
          began = true;
          yield { type: "output" }; // a stream cut after it without its usage is unpriced
        }
        for (const d of choice.delta.tool_calls ?? []) mergeToolCall(calls, d);
        finish = choice.finish_reason ?? finish;
      }
    } catch (error) {
      throw toProviderError(this.#conn, error);
    }
    if (finish === null) {
      throw new ProviderError(NAME, "the stream ended before the reply was complete", {
        retryable: true,
      });
    }
    // Servers that send calls without an id (LM Studio, llama.cpp, Gemini's compat endpoint)
    // would leave them unanswerable: the result must name the call.
    for (const call of calls.all) call.id ||= newCallId();
    const raw = refused ? "refusal" : finish;
    yield { type: "done", reply: reply(text, calls.all, raw, id, usage) };
  }

  /**
   * Starts the stream, asking for the usage chunk. A server that predates `stream_options`
   * (older Azure OpenAI and gateways before it) refuses the field with a 400: the request is sent
   * again without it, and this adapter leaves it out from then on (its replies' usage is then
   * unknown, unless the server reports it anyway).
   */
  async #openStream(turn: ProviderTurnInput, options: OpenAI.RequestOptions): Promise<ChatStream> {
    const { client, sdk } = this.#conn;
    const params = { ...body(turn), stream: true as const };
    const open = (p: OpenAI.Chat.ChatCompletionCreateParamsStreaming) =>
      untilAborted(sdk, client.chat.completions.create(p, options), turn.signal);
    if (!this.#streamOptions) return open(params);
    try {
      return await open({ ...params, stream_options: { include_usage: true } });
    } catch (error) {
      if (!refusesStreamOptions(error)) throw error;
    }
    const stream = await open(params);
    // Only now is it known that the field was the cause (a 400 may merely list the request's
    // fields): later streams leave it out.
    this.#streamOptions = false;
    return stream;
  }
}

type ChatStream = AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;

/** A 400 or 422 naming `stream_options`: the server does not know the field. */
function refusesStreamOptions(error: unknown): boolean {
  const { status, message } = (error ?? {}) as { status?: unknown; message?: unknown };
  return (status === 400 || status === 422) && String(message).includes("stream_options");
}

/** An id for a call the server sent without one. */
function newCallId(): string {
  return `call_${randomBytes(12).toString("hex")}`;
}

/** Creates the adapter from manager options; `baseURL` is required, `apiKey` is not. */
export async function openaiCompatibleProvider(
  options: Record<string, unknown>,
): Promise<OpenAICompatibleProvider> {
  if (options.baseURL === undefined && options.client === undefined) {
    throw new ValidationError(`providers.${NAME}.baseURL`, "is required (the server's /v1 URL)");
  }
  return new OpenAICompatibleProvider(await connect(NAME, options, { keyRequired: false }));
}

function body(turn: ProviderTurnInput): ChatParams {
  const sampling = readSampling(turn.session.providerConfig);
  const params: ChatParams = {
    model: turn.session.model,
    messages: toChatMessages(pairToolCalls([...turn.history, ...turn.input])),
  };
  if (sampling.temperature !== undefined) params.temperature = sampling.temperature;
  if (sampling.topP !== undefined) params.top_p = sampling.topP;
  // `max_tokens`, not `max_completion_tokens`: the field compatible servers understand.
  if (sampling.maxTokens !== undefined) params.max_tokens = sampling.maxTokens;
  if (sampling.tools) params.tools = sampling.tools;
  return params;
}

/** Stored messages in Chat Completions form (already paired by `pairToolCalls`). */
export function toChatMessages(messages: readonly SessionMessage[]): ChatMessage[] {
  // A loop, not flatMap: this runs over the whole transcript every turn.
  const out: ChatMessage[] = [];
  for (const m of messages) out.push(toChatMessage(m));
  return out;
}

function toChatMessage(m: SessionMessage): ChatMessage {
  switch (m.role) {
    case "system":
      return { role: "system", content: m.content };
    case "user":
      return { role: "user", content: m.content };
    case "assistant":
      return m.toolCalls?.length
        ? { role: "assistant", content: m.content || null, tool_calls: m.toolCalls }
        : { role: "assistant", content: m.content };
    case "tool":
      return m.toolCallId
        ? { role: "tool", tool_call_id: m.toolCallId, content: m.content }
        : { role: "user", content: asResultText(m).content };
    case "function":
      return { role: "user", content: asResultText(m).content };
  }
}

/** The calls of a streamed reply, in order, and the one each stream index is building. */
interface StreamedCalls {
  all: ToolCall[];
  at: Map<number, ToolCall>;
}

function mergeToolCall(
  calls: StreamedCalls,
  delta: OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall,
): void {
  // The first delta of a call carries its id and name; later ones append argument text. Some
  // servers repeat the whole name on every delta (the SDK's own reader takes it, not appends),
  // and Ollama sends parallel calls all at index 0, each with its own id.
  let call = calls.at.get(delta.index);
  if (!call || (delta.id && call.id && delta.id !== call.id)) {
    call = toolCall(delta.id ?? "", "", "");
    calls.all.push(call);
    calls.at.set(delta.index, call);
  }
  if (delta.id) call.id = delta.id;
  if (delta.function?.name) call.function.name = delta.function.name;
  if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
}

function reply(
  content: string,
  toolCalls: ToolCall[],
  finishReason: string,
  id: string,
  usage: OpenAI.CompletionUsage | null | undefined,
): ProviderReply {
  const out: ProviderReply = { content, usage: chatUsage(usage) };
  // A server that ignores stream_options.include_usage (or omits usage) said nothing of the cost.
  if (!usage) out.usageUnknown = true;
  if (id) out.providerMessageId = id;
  if (toolCalls.length > 0) out.toolCalls = toolCalls;
  return withFinishReason(out, finishReason);
}

/**
 * Output that is not text began: a tool call, or reasoning that servers of reasoning models
 * stream before the answer (`reasoning_content` from DeepSeek and vLLM, `reasoning` from
 * OpenRouter and Ollama), billed as output all the same.
 */
function startsOtherOutput(delta: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta) {
  const extra = delta as { reasoning_content?: unknown; reasoning?: unknown };
  return (
    !!delta.tool_calls?.length ||
    (typeof extra.reasoning_content === "string" && extra.reasoning_content !== "") ||
    (typeof extra.reasoning === "string" && extra.reasoning !== "")
  );
}
