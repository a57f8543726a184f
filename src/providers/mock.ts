import { MockOptions, parseOrThrow } from "../config.js";
import { ProviderError } from "../errors.js";
import type { TokenUsage } from "../types.js";
import type {
  ModelPrice,
  ProviderAdapter,
  ProviderReply,
  ProviderStreamEvent,
  ProviderTurnInput,
} from "./types.js";

export interface MockProviderOptions {
  /** Delay before a reply, and between streamed chunks. @default 0 */
  latencyMs?: number;
  /** Makes the reply from the turn's input. @default "Echo: " + the last input's content */
  reply?: (turn: ProviderTurnInput) => string;
  /** Characters per streamed chunk. @default 8 */
  chunkSize?: number;
  /**
   * Receive the stored transcript each turn (client-side history, like Anthropic) and say how
   * many messages preceded the input: `Echo: hi [after 4]`. @default false
   */
  historyAware?: boolean;
  /**
   * Keep the most recent calls in `calls`. A mock configured by name (`providers: { mock: {} }`)
   * is out of the caller's reach, so it keeps none. @default true
   */
  recordCalls?: boolean;
}

export interface MockFailure {
  status?: number;
  message?: string;
  /** Fail a stream after this many chunks instead of before the first. */
  afterChunks?: number;
}

const NAME = "mock";
const CALLS_KEPT = 100;
const FREE: ModelPrice = Object.freeze({ input: 0, output: 0 });

/**
 * A deterministic provider for development and tests: echoes the input, estimates tokens
 * (4 characters a token), needs no key and no network. Failures are injected with `failNext`.
 *
 * ```ts
 * const mock = new MockProvider({ latencyMs: 5 });
 * const manager = createSessionManager({ providers: { mock: { adapter: mock } } });
 * mock.failNext(1, { status: 500 });
 * ```
 */
export class MockProvider implements ProviderAdapter {
  readonly name: string = NAME;
  /** The most recent calls, newest last (at least the last 100, at most 200: a long-running mock stays small). */
  readonly calls: ProviderTurnInput[] = [];
  readonly #options: MockProviderOptions & { latencyMs: number; chunkSize: number };
  readonly #failures: MockFailure[] = [];

  constructor(options: MockProviderOptions = {}) {
    parseOrThrow(MockOptions, options, "", "MockProvider");
    this.#options = { latencyMs: 0, chunkSize: 8, ...options };
  }

  historyMode(): "none" | "client" {
    return this.#options.historyAware ? "client" : "none";
  }

  /** The next `count` calls fail with this failure. */
  failNext(count = 1, failure: MockFailure = {}): void {
    for (let i = 0; i < count; i++) this.#failures.push(failure);
  }

  priceOf(): ModelPrice {
    return FREE;
  }

  /** Answers synchronously when there is no latency to wait for; a failure is then thrown at once. */
  sendTurn(turn: ProviderTurnInput): ProviderReply | Promise<ProviderReply> {
    this.#record(turn);
    const { latencyMs } = this.#options;
    if (latencyMs > 0) return sleep(latencyMs, turn.signal).then(() => this.#answer(turn));
    turn.signal?.throwIfAborted();
    return this.#answer(turn);
  }

  async *streamTurn(turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent> {
    this.#record(turn);
    const failure = this.#failures.shift();
    if (failure && !failure.afterChunks) throw toError(failure);
    const reply = this.#reply(turn);
    // The input's tokens up front, the output still to come, as Anthropic reports them: a stream
    // cut short counts its input tokens and is unpriced.
    yield { type: "usage", usage: estimateUsage(turn, ""), outputPending: true };
    const size = this.#options.chunkSize;
    for (let i = 0, n = 0; i < reply.content.length; i += size, n++) {
      if (failure && n === failure.afterChunks) throw toError(failure);
      await sleep(this.#options.latencyMs, turn.signal);
      yield { type: "delta", text: reply.content.slice(i, i + size) };
    }
    // A failure set for after more chunks than the reply has still happens, before the end.
    if (failure) throw toError(failure);
    yield { type: "done", reply };
  }

  #record(turn: ProviderTurnInput): void {
    if (this.#options.recordCalls === false) return;
    // Trimmed in bulk, so recording stays O(1) per call.
    if (this.calls.push(turn) >= 2 * CALLS_KEPT) this.calls.splice(0, CALLS_KEPT);
  }

  #answer(turn: ProviderTurnInput): ProviderReply {
    const failure = this.#failures.shift();
    if (failure) throw toError(failure);
    return this.#reply(turn);
  }

  #reply(turn: ProviderTurnInput): ProviderReply {
    const last = turn.input[turn.input.length - 1];
    const after = this.#options.historyAware ? ` [after ${turn.history.length}]` : "";
    const content = this.#options.reply?.(turn) ?? `Echo: ${last?.content ?? ""}${after}`;
    return { content, usage: estimateUsage(turn, content), finishReason: "stop" };
  }
}

/** Creates the mock from manager options (`providers: { mock: { latencyMs: 5 } }`). */
export function mockProvider(options: Record<string, unknown> = {}): MockProvider {
  // The manager checked them, with the options every provider takes: the mock's own are kept.
  const own = Object.keys(MockOptions.shape).filter((k) => options[k] !== undefined);
  const picked = Object.fromEntries(own.map((k) => [k, options[k]])) as MockProviderOptions;
  return new MockProvider({ recordCalls: false, ...picked });
}

function estimateUsage(turn: ProviderTurnInput, content: string): TokenUsage {
  let chars = 0;
  for (const m of turn.history) chars += m.content.length;
  for (const m of turn.input) chars += m.content.length;
  return {
    inputTokens: Math.ceil(chars / 4),
    outputTokens: Math.ceil(content.length / 4),
    cachedTokens: 0,
    cacheCreationTokens: 0,
  };
}

function toError(failure: MockFailure): ProviderError {
  const status = failure.status ?? 500;
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  return new ProviderError(NAME, failure.message ?? `injected failure (${status})`, {
    status,
    retryable,
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => (clearTimeout(timer), reject(signal!.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort); // one listener per wait, gone after it
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
