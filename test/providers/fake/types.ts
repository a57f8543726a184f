/**
 * The contract every fake provider server in this folder implements, so that one provider
 * suite (`test/providers/conformance.ts`) can drive any of them. Each server is node:http on
 * 127.0.0.1 with an ephemeral port and speaks its API's real wire format (JSON bodies, SSE event
 * sequences, error bodies and headers), so it is exercised through the official SDK.
 */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/responses`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or null for a request without one. */
  body: unknown;
}

/** What the server does with the next model call (responses, chat completions, messages). */
export type FakeStep =
  | {
      kind: "reply";
      /** Defaults to an echo of the last user input: `Echo: <text>`. */
      text?: string;
      toolCalls?: { id: string; name: string; arguments: string }[];
      usage?: { input?: number; output?: number; cached?: number; cacheCreation?: number };
      /** Delay before the response starts. */
      delayMs?: number;
    }
  | {
      kind: "error";
      status: number;
      headers?: Record<string, string>;
      /** Error message placed in the API's own error body shape. */
      message?: string;
      /** The body's `error.code` (OpenAI), e.g. `insufficient_quota`; else one fitting the status. */
      code?: string;
    }
  /** Streams this many text deltas, then destroys the socket without the final events. */
  | { kind: "drop"; afterChunks: number }
  /** Accepts the request and never answers (for timeouts). */
  | { kind: "hang" };

export interface FakeServer {
  /** Base URL to pass to the SDK as `baseURL`, e.g. `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queues steps for the next model calls; when the queue is empty the server echoes. */
  enqueue(...steps: FakeStep[]): void;
  close(): Promise<void>;
}

/**
 * How the provider suite runs against one provider: a fresh fake server per test, and the
 * options that point the manager's provider at it (`providers[provider]`).
 */
export interface ProviderHarness {
  /** Suite title, e.g. `openai (native state)`. */
  name: string;
  /** The manager's provider name: `openai`, `openai-compatible` or `anthropic`. */
  provider: string;
  model: string;
  startServer(): Promise<FakeServer>;
  /** Options for `providers[provider]`: at least `apiKey` and `baseURL: server.url`. */
  providerOptions(server: FakeServer): Record<string, unknown>;
  /** True when the provider keeps history (only new input is sent each turn). */
  nativeState: boolean;
}
