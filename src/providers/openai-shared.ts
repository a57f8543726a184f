import type OpenAI from "openai";
import type { ClientOptions } from "openai";
import { ProviderOptions, parseOrThrow } from "../config.js";
import { ProviderError, ValidationError } from "../errors.js";
import { importLib, type LibErrorFactory } from "../internal/lazy.js";
import { registerSecret } from "../internal/redact.js";
import type { SessionMessage, TokenUsage } from "../types.js";
import { quotaAwareFetch, registerClientSecrets } from "./client-options.js";
import { boundedRetryFetch } from "./openai-retry.js";
import { mapSdkError } from "./sdk-errors.js";

/** What both OpenAI adapters share: the SDK client and how to call it. */
export interface OpenAIConnection {
  provider: string;
  client: OpenAI;
  /** The SDK's error classes, kept so errors are recognised without loading the SDK eagerly. */
  sdk: typeof OpenAI;
  /**
   * True when the adapter built the client, with `boundedRetryFetch`: only then may a request
   * carry `TIMEOUT_HEADER`, which that fetch takes off. A caller's own `client` is used as given.
   */
  ownFetch?: boolean;
}

/**
 * Builds the SDK client from manager options (`apiKey`, `baseURL`, `timeoutMs`, `maxRetries`,
 * `defaultHeaders`) or takes a ready `client`. The SDK is imported here, on first use.
 */
export async function connect(
  provider: string,
  raw: Record<string, unknown>,
  { keyRequired }: { keyRequired: boolean },
): Promise<OpenAIConnection> {
  const options = parseOrThrow(ProviderOptions, raw, `providers.${provider}`);
  const sdk = (await importLib("openai", () => import("openai"), sdkUnavailable(provider))).default;
  if (options.client !== undefined) {
    // Duck-typed: the caller's client may come from another copy of the package.
    const client = options.client as Partial<OpenAI> | null;
    if (typeof client?.responses?.create !== "function" || !client.chat || !client.conversations) {
      throw new ValidationError(`providers.${provider}.client`, "must be an OpenAI client");
    }
    registerSecret((client as OpenAI).apiKey);
    return { provider, client: client as OpenAI, sdk, ownFetch: false };
  }
  registerClientSecrets(options);
  const clientOptions: ClientOptions = {
    // Undefined (not null) lets the SDK read OPENAI_BASE_URL, as it does on its own.
    baseURL: options.baseURL,
    maxRetries: options.maxRetries ?? 2,
    defaultHeaders: options.defaultHeaders ?? {},
    fetch: boundedRetryFetch(quotaAwareFetch(), options.timeoutMs ?? sdk.DEFAULT_TIMEOUT),
  };
  if (options.timeoutMs !== undefined) clientOptions.timeout = options.timeoutMs;
  if (options.apiKey !== undefined) clientOptions.apiKey = options.apiKey;
  else if (keyRequired) {
    // The SDK would read OPENAI_API_KEY itself; register it so errors never quote it.
    registerSecret(process.env.OPENAI_API_KEY);
    if (!process.env.OPENAI_API_KEY) {
      throw new ValidationError(`providers.${provider}.apiKey`, "is required (or OPENAI_API_KEY)");
    }
  } else {
    // A local server needs no key: never send OPENAI_API_KEY to a third-party URL. A credential
    // the caller put in defaultHeaders (a proxy's token) is theirs to send.
    clientOptions.apiKey = "unused";
    const given = Object.keys(options.defaultHeaders ?? {}).some(
      (name) => name.toLowerCase() === "authorization",
    );
    if (!given) clientOptions.defaultHeaders = { ...options.defaultHeaders, Authorization: null };
  }
  return { provider, client: new sdk(clientOptions), sdk, ownFetch: true };
}

/**
 * An SDK missing or failing to load as a `ProviderError`: not retryable, since no retry or
 * fallback with the same install can cure it.
 */
function sdkUnavailable(provider: string): LibErrorFactory {
  return (message, cause) => new ProviderError(provider, message, { retryable: false, cause });
}

// Error codes no retry or fallback with the same request can cure: out of credit, a prompt too
// long for the model, a bad key or model name.
const FINAL_CODES = new Set([
  "insufficient_quota",
  "context_length_exceeded",
  "invalid_api_key",
  "model_not_found",
  "invalid_prompt",
]);

/**
 * Whether an error reported without an HTTP status (inside a stream, or a failed response) would
 * fail the same way again: a final code, a request the API calls invalid, or one naming the
 * parameter at fault.
 */
function isFinalInBand(code: unknown, type?: unknown, param?: unknown): boolean {
  return (
    FINAL_CODES.has(String(code)) ||
    type === "invalid_request_error" ||
    (typeof param === "string" && param !== "")
  );
}

/** An error the API reports inside a stream (`error` event, failed response): no status, a code. */
export function inBandError(
  provider: string,
  code: string | null | undefined,
  message: string,
  param?: string | null,
): ProviderError {
  const retryable = !isFinalInBand(code, undefined, param);
  return new ProviderError(provider, `${code ?? "error"}: ${message}`, { retryable });
}

/** Maps anything the SDK throws to a `ProviderError` (see `mapSdkError`). */
export function toProviderError(conn: OpenAIConnection, error: unknown): ProviderError {
  return mapSdkError(conn.provider, conn.sdk, error, fromApiError);
}

function fromApiError(
  provider: string,
  error: InstanceType<typeof OpenAI.APIError>,
): ProviderError {
  const status = typeof error.status === "number" ? error.status : null;
  const body = error.error as { message?: unknown } | undefined;
  const text = typeof body?.message === "string" ? body.message : error.message;
  const kind = [error.type, error.code].filter(Boolean).join("/");
  const request = error.requestID ? ` (request ${error.requestID})` : "";
  // No status: an error the SDK read from inside a stream.
  const retryable =
    status === null
      ? !isFinalInBand(error.code, error.type, error.param)
      : !FINAL_CODES.has(String(error.code)) &&
        (status === 408 || status === 409 || status === 429 || status >= 500);
  const prefix = status === null ? "" : `${status} `;
  return new ProviderError(provider, `${prefix}${kind ? `${kind}: ` : ""}${text}${request}`, {
    status,
    retryable,
  });
}

/** Responses API usage; `input_tokens` already includes cached tokens. */
export function responsesUsage(
  usage: OpenAI.Responses.ResponseUsage | null | undefined,
): TokenUsage {
  return {
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cachedTokens: usage?.input_tokens_details?.cached_tokens ?? 0,
    cacheCreationTokens: usage?.input_tokens_details?.cache_write_tokens ?? 0,
  };
}

/** Chat Completions usage; `prompt_tokens` already includes cached tokens. */
export function chatUsage(usage: OpenAI.CompletionUsage | null | undefined): TokenUsage {
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    cacheCreationTokens: 0,
  };
}

/**
 * Keeps only what a tool-calling API accepts from a stored transcript (which another provider
 * may have written, or where parallel tool results arrived over several turns):
 * - each assistant tool call is followed at once by its result, wherever in the transcript that
 *   result was stored, in call order; a call with no result yet is left out (both APIs refuse an
 *   unanswered call), and so is an assistant message left with neither text nor calls;
 * - so a system message stored between a call and its results ends up after the results;
 * - a tool result with no call before it, a second result for one call, and a legacy `function`
 *   message become user text (`Tool result: …`), so the model still sees the content; a call id
 *   that a later reply asks for again is that reply's from there on.
 */
export function pairToolCalls(messages: readonly SessionMessage[]): readonly SessionMessage[] {
  // The usual transcript has no tool traffic: this runs over all of it every turn, so it is
  // passed on as it is (no copy) unless an empty assistant message has to go.
  if (!messages.some(isToolTraffic)) {
    return messages.some(isEmptyReply) ? messages.filter((m) => !isEmptyReply(m)) : messages;
  }
  const placed = new Set<number>();
  const out: SessionMessage[] = [];
  for (const [i, m] of messages.entries()) {
    if (m.role === "tool" || m.role === "function") {
      if (!placed.has(i) && m.content) out.push(asResultText(m));
    } else if (m.role === "assistant" && m.toolCalls?.length) {
      const results = m.toolCalls.flatMap((c) => {
        const j = resultIndex(messages, i, c.id, placed);
        return j < 0 ? [] : [{ call: c, at: j }];
      });
      if (results.length > 0 || m.content) {
        out.push({ ...m, toolCalls: results.map((r) => r.call) });
      }
      for (const { at } of results) {
        placed.add(at);
        out.push(messages[at]!);
      }
    } else if (m.role !== "assistant" || m.content) out.push(m);
  }
  return out;
}

function isToolTraffic(m: SessionMessage): boolean {
  return (
    m.role === "tool" || m.role === "function" || (m.role === "assistant" && !!m.toolCalls?.length)
  );
}

function isEmptyReply(m: SessionMessage): boolean {
  return m.role === "assistant" && !m.content;
}

/**
 * The first not yet placed result for `callId` after message `from`, before any later reply that
 * asks for the same id (a model that numbers its calls per reply, Kimi's `functions.x:0`, reuses
 * ids: each result answers the nearest call before it), or -1.
 */
function resultIndex(
  messages: readonly SessionMessage[],
  from: number,
  callId: string,
  placed: ReadonlySet<number>,
): number {
  for (let j = from + 1; j < messages.length; j++) {
    const m = messages[j]!;
    if (m.role === "tool" && m.toolCallId === callId && !placed.has(j)) return j;
    if (m.role === "assistant" && m.toolCalls?.some((c) => c.id === callId)) return -1;
  }
  return -1;
}

/** A tool or `function` message as plain user text, for when no call id can go with it. */
export function asResultText(m: SessionMessage): SessionMessage {
  const out: SessionMessage = { ...m, role: "user", content: `Tool result: ${m.content}` };
  delete out.toolCallId;
  return out;
}

/** Sampling settings read from a session's `providerConfig` (camelCase or the guide's snake_case). */
export interface Sampling {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  tools?: ChatTool[];
}

/** A tool definition in Chat Completions' shape, the neutral form sessions store. */
export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export function readSampling(config: Readonly<Record<string, unknown>>): Sampling {
  const out: Sampling = {};
  const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
  const temperature = num(config.temperature);
  const topP = num(config.topP ?? config.top_p);
  const maxTokens = num(config.maxTokens ?? config.max_tokens);
  if (temperature !== undefined) out.temperature = temperature;
  if (topP !== undefined) out.topP = topP;
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  if (Array.isArray(config.tools)) out.tools = config.tools as ChatTool[];
  return out;
}

/**
 * Checks the sampling settings both adapters read; throws `ValidationError` naming the field.
 * `minMaxTokens`: the least output limit the API takes (the Responses API refuses below 16).
 */
export function validateSampling(
  config: Readonly<Record<string, unknown>>,
  minMaxTokens = 1,
): void {
  const check = (field: string, ok: (v: unknown) => boolean, reason: string): void => {
    const value = config[field];
    if (value !== undefined && !ok(value)) {
      throw new ValidationError(`providerConfig.${field}`, reason);
    }
  };
  const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  check("temperature", (v) => isNum(v) && v >= 0 && v <= 2, "must be a number from 0 to 2");
  for (const f of ["topP", "top_p"]) check(f, (v) => isNum(v) && v >= 0 && v <= 1, "must be 0..1");
  for (const f of ["maxTokens", "max_tokens"]) {
    const reason =
      minMaxTokens > 1 ? `an integer of at least ${minMaxTokens}` : "a positive integer";
    check(f, (v) => Number.isInteger(v) && (v as number) >= minMaxTokens, `must be ${reason}`);
  }
  check("timeout", (v) => isNum(v) && v > 0, "must be a positive number of seconds");
  check("tools", (v) => Array.isArray(v) && v.every(isChatTool), "must be function tools");
}

function isChatTool(v: unknown): boolean {
  const t = v as Partial<ChatTool> | null;
  return (
    typeof t === "object" &&
    t !== null &&
    t.type === "function" &&
    typeof t.function?.name === "string"
  );
}
