import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError, ValidationError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { withFallback } from "../../src/providers/fallback.js";
import type {
  ProviderAdapter,
  ProviderSessionInfo,
  ProviderTurnInput,
} from "../../src/providers/types.js";
import { ZERO_USAGE } from "../../src/providers/types.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";
const FAIL = { kind: "error", status: 500, headers: { "retry-after-ms": "1" } } as const;

describe("fallback to another provider's model", () => {
  let openai: OpenAIFakeServer;
  let anthropic: AnthropicFakeServer;
  let manager: SessionManager | undefined;

  beforeEach(async () => {
    openai = await startOpenAIServer();
    anthropic = await startAnthropicServer();
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await openai.close();
    await anthropic.close();
  });

  const open = (fallback: unknown[], extra: Record<string, unknown> = {}) =>
    (manager = createSessionManager({
      providers: {
        openai: {
          apiKey: OPENAI_KEY,
          baseURL: openai.url,
          maxRetries: 0,
          ...extra,
          fallback: fallback as never,
        },
        anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropic.url },
      },
    }));
  const anthropicModels = () =>
    anthropic.requests.map((r) => (r.body as { model?: string } | null)?.model);

  it("sends the fallback its own model and prices the turn at that model's rate", async () => {
    const m = open([{ provider: "anthropic", model: "claude-sonnet-5-5" }]);
    const session = await m.createSession("u", "openai", "gpt-4o");
    openai.enqueue(FAIL);
    anthropic.enqueue({ kind: "reply", usage: { input: 1_000_000, output: 0 } });
    const reply = await session.sendMessage("hi");
    expect(anthropicModels()).toEqual(["claude-sonnet-5-5"]);
    expect(reply.metadata).toMatchObject({ fallbackFrom: "openai", servedBy: "anthropic" });
    // claude-sonnet-5-5 input is $2 per million tokens; gpt-4o's would be $2.50.
    expect((await session.getMetrics()).costUsd).toBeCloseTo(2, 9);
  });

  it("does the same for a streamed turn", async () => {
    const m = open([{ provider: "anthropic", model: "claude-haiku-5-5" }]);
    const session = await m.createSession("u", "openai", "gpt-4o");
    openai.enqueue(FAIL);
    anthropic.enqueue({ kind: "reply", text: "from claude", usage: { input: 100_000 } });
    let text = "";
    const stream = session.streamMessage("hi");
    for await (const d of stream) text += d;
    expect(text).toBe("from claude");
    expect(anthropicModels()).toEqual(["claude-haiku-5-5"]);
    expect((await stream.reply).metadata.servedBy).toBe("anthropic");
    // claude-haiku-5-5 input is $0.10 per million tokens up to a 100k prompt (the few output
    // tokens add ~$0.000002); gpt-4o's would be $0.25.
    expect((await session.getMetrics()).costUsd).toBeCloseTo(0.01, 4);
  });

  it("a plain name reuses the session's model (for endpoints that share model names)", async () => {
    const m = open(["anthropic"]);
    const session = await m.createSession("u", "openai", "claude-sonnet-5-5");
    openai.enqueue(FAIL);
    await session.sendMessage("hi");
    expect(anthropicModels()).toEqual(["claude-sonnet-5-5"]);
  });

  it("never hands the primary's conversation id to the fallback", async () => {
    const m = open([{ provider: "anthropic", model: "claude-sonnet-5-5" }], { nativeState: true });
    const session = await m.createSession("u", "openai", "gpt-4o");
    expect(session.providerSessionId).toMatch(/^conv_/);
    openai.enqueue(FAIL);
    expect((await session.sendMessage("hi")).metadata.servedBy).toBe("anthropic");
    expect(JSON.stringify(anthropic.requests)).not.toContain(session.providerSessionId!);
  });

  it("refuses a malformed entry or an unconfigured provider, naming the field", () => {
    for (const entry of [{ provider: "anthropic" }, { provider: "anthropic", model: "" }, 7]) {
      expect(() => open([entry])).toThrow(ValidationError);
    }
    expect(() => open([{ provider: "nope", model: "x" }])).toThrow(/providers\.openai\.fallback/);
  });
});

describe("withFallback", () => {
  const session: ProviderSessionInfo = {
    sessionId: "s",
    userId: "u",
    model: "gpt-4o",
    providerSessionId: "conv_primary",
    providerConfig: { nativeState: true, maxTokens: 100, onlyPrimary: 1 },
    metadata: {},
  };
  const failing = (name: string): ProviderAdapter => ({
    name,
    historyMode: () => "client",
    sendTurn: () => Promise.reject(new ProviderError(name, "down", { retryable: true })),
    // eslint-disable-next-line require-yield
    streamTurn: async function* () {
      throw new ProviderError(name, "down", { retryable: true });
    },
    priceOf: (model) => (model === "gpt-4o" ? { input: 2.5, output: 10 } : undefined),
  });
  const recording = (seen: ProviderTurnInput[]): ProviderAdapter => ({
    name: "backup",
    historyMode: () => "client",
    sendTurn: async (turn) => {
      seen.push(turn);
      return { content: "ok", usage: { ...ZERO_USAGE } };
    },
    streamTurn: async function* () {},
    validateConfig: (config) => {
      if (config.onlyPrimary !== undefined) {
        throw new ValidationError("providerConfig.onlyPrimary", "unknown here");
      }
    },
    priceOf: (model) => (model === "backup-1" ? { input: 1, output: 1 } : undefined),
  });

  it("calls the fallback with its model, no provider id, and only settings it accepts", async () => {
    const seen: ProviderTurnInput[] = [];
    const chain = withFallback(failing("primary"), [
      { adapter: recording(seen), model: "backup-1" },
    ]);
    const reply = await chain.sendTurn({ session, history: [], input: [] });
    expect(seen[0]!.session).toMatchObject({
      model: "backup-1",
      providerSessionId: null,
      providerConfig: { maxTokens: 100 },
    });
    expect(seen[0]!.session.providerConfig).not.toHaveProperty("onlyPrimary");
    expect(seen[0]!.session.providerConfig).not.toHaveProperty("nativeState");
    expect(reply).toMatchObject({ model: "backup-1", metadata: { servedBy: "backup" } });
  });

  it("prices any model of the chain", () => {
    const chain = withFallback(failing("primary"), [recording([])]);
    expect(chain.priceOf!("gpt-4o")).toEqual({ input: 2.5, output: 10 });
    expect(chain.priceOf!("backup-1")).toEqual({ input: 1, output: 1 });
    expect(chain.priceOf!("other")).toBeUndefined();
  });
});

describe("the price of a fallback chain", () => {
  it("skips a provider's invalid price for the model, and takes the next one's", () => {
    const price = { input: 1, output: 2 };
    const adapter = (name: string, given: unknown): ProviderAdapter => ({
      name,
      historyMode: () => "none",
      sendTurn: () => Promise.reject(new Error("unused")),
      streamTurn: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject() }) }),
      priceOf: () => given as never,
    });
    const chain = withFallback(adapter("bad-price", { inputs: 1, output: 2 }), [
      adapter("good-price", price),
    ]);
    expect(chain.priceOf!("some-model")).toBe(price);
  });
});
