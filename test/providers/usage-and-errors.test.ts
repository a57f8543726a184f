import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { anthropicProvider } from "../../src/providers/anthropic.js";
import { displayUrl } from "../../src/providers/client-options.js";
import { openaiCompatibleProvider } from "../../src/providers/openai-compatible.js";
import { connect, inBandError, toProviderError } from "../../src/providers/openai-shared.js";
import type { ProviderAdapter, ProviderStreamEvent } from "../../src/providers/types.js";
import { modelCalls } from "./conformance.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";
const session = {
  sessionId: "s",
  userId: "u",
  model: "claude-sonnet-5-5",
  providerSessionId: null,
  providerConfig: {},
  metadata: {},
};
const userInput = {
  messageId: "m1",
  sessionId: "s",
  role: "user" as const,
  content: "hello there",
  timestamp: new Date(0),
  metadata: {},
};

async function events(adapter: ProviderAdapter): Promise<ProviderStreamEvent[]> {
  const out: ProviderStreamEvent[] = [];
  try {
    for await (const e of adapter.streamTurn({ session, history: [], input: [userInput] })) {
      out.push(e);
    }
  } catch {
    // A dropped stream throws after what it yielded; the events are what is checked.
  }
  return out;
}

describe("usage reported while streaming", () => {
  let anthropic: AnthropicFakeServer;
  let openai: OpenAIFakeServer;
  let manager: SessionManager | undefined;
  beforeEach(async () => {
    anthropic = await startAnthropicServer();
    openai = await startOpenAIServer();
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await anthropic.close();
    await openai.close();
  });

  it("anthropic yields usage from message_start on, before any text", async () => {
    const adapter = await anthropicProvider({ apiKey: ANTHROPIC_KEY, baseURL: anthropic.url });
    anthropic.enqueue({ kind: "drop", afterChunks: 2 });
    const seen = await events(adapter);
    const first = seen.findIndex((e) => e.type === "usage");
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(seen.findIndex((e) => e.type === "delta"));
    const usage = seen[first] as Extract<ProviderStreamEvent, { type: "usage" }>;
    expect(usage.usage.inputTokens).toBeGreaterThan(0);
  });

  it("chat completions yields the usage chunk's counts", async () => {
    const adapter = await openaiCompatibleProvider({ baseURL: openai.url });
    openai.enqueue({ kind: "reply", text: "hi", usage: { input: 42, output: 7 } });
    const usage = (await events(adapter)).find((e) => e.type === "usage");
    expect(usage).toMatchObject({ usage: { inputTokens: 42, outputTokens: 7 } });
  });

  it("a dropped anthropic stream is stored with the input tokens already billed", async () => {
    manager = createSessionManager({
      providers: { anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropic.url } },
    });
    const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5");
    anthropic.enqueue({ kind: "drop", afterChunks: 2 });
    await (async () => {
      for await (const delta of s.streamMessage("hello there")) expect(delta).toBeTruthy();
    })().catch(() => undefined);
    expect((await s.getMessages())[1]!.metadata.partial).toBe(true);
    const metrics = await s.getMetrics();
    expect(metrics.inputTokens).toBeGreaterThan(0);
    // Cut before message_delta: the output it generated is unknown, so the turn is unpriced.
    expect({ costUsd: metrics.costUsd, unpricedTurns: metrics.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  });

  it("does not retry (or fall back on) a 429 insufficient_quota", async () => {
    manager = createSessionManager({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: openai.url, maxRetries: 2 } },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    openai.enqueue({ kind: "error", status: 429, code: "insufficient_quota", message: "quota" });
    const error = await s.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, retryable: false });
    expect(modelCalls(openai)).toHaveLength(1);
  });

  it("does not fall back on an in-band insufficient_quota stream error", async () => {
    manager = createSessionManager({
      providers: {
        openai: { apiKey: OPENAI_KEY, baseURL: openai.url, fallback: ["mock"] },
        mock: null,
      },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    openai.enqueueStreamError("insufficient_quota", "You exceeded your current quota");
    const error = await (async () => {
      for await (const delta of s.streamMessage("hi")) expect(delta).toBeTruthy();
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false });
    expect(String((error as Error).message)).toContain("insufficient_quota");
    openai.enqueueStreamError("server_error", "oops");
    let text = "";
    for await (const delta of s.streamMessage("again")) text += delta;
    expect(text).toBe("Echo: again"); // a retryable one goes to the fallback (the mock echoes)
  });

  it("refuses thread and conversation metadata that together exceed the API's 16 keys", async () => {
    manager = createSessionManager({
      providers: { openai: { apiKey: OPENAI_KEY, baseURL: openai.url } },
    });
    const keys = (prefix: string) =>
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${prefix}${i}`, "v"]));
    const error = await manager
      .createSession("u", "openai", "gpt-4o", {
        providerConfig: { threadMetadata: keys("t"), conversationMetadata: keys("c") },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(openai.requests).toHaveLength(0);
  });
});

describe("errors from another copy of the SDK", () => {
  const conn = { provider: "openai", client: {} as OpenAI, sdk: OpenAI };
  // Same class names as the SDK's, different classes: `instanceof` cannot see them.
  class APIError extends Error {
    constructor(
      readonly status: number | undefined,
      message: string,
    ) {
      super(message);
    }
  }
  class AuthenticationError extends APIError {}
  class APIConnectionError extends APIError {}
  class APIConnectionTimeoutError extends APIConnectionError {}
  class APIUserAbortError extends APIError {}

  it("classifies them by class name", () => {
    const auth = toProviderError(conn, new AuthenticationError(401, "bad key"));
    expect(auth).toMatchObject({ status: 401, retryable: false });
    const timeout = toProviderError(conn, new APIConnectionTimeoutError(undefined, "slow"));
    expect(timeout.message).toContain("timed out");
    expect(toProviderError(conn, new APIUserAbortError(undefined, "stop")).retryable).toBe(false);
    expect(toProviderError(conn, new APIError(503, "down"))).toMatchObject({ retryable: true });
  });

  it("treats any error carrying an HTTP status as an API answer", () => {
    class WrappedError extends Error {
      status = 401;
    }
    expect(toProviderError(conn, new WrappedError("no"))).toMatchObject({
      status: 401,
      retryable: false,
    });
  });

  it("does not retry in-band stream errors no retry can cure", () => {
    expect(inBandError("openai", "insufficient_quota", "out of credit").retryable).toBe(false);
    expect(inBandError("openai", "context_length_exceeded", "too long").retryable).toBe(false);
    expect(inBandError("openai", "server_error", "oops").retryable).toBe(true);
  });
});

describe("base URLs", () => {
  it("shows a base URL without credentials", () => {
    expect(displayUrl("https://user:pw@proxy.example/v1?key=abc#x")).toBe(
      "https://proxy.example/v1",
    );
    expect(displayUrl(null)).toBeNull();
  });

  it("falls back to OPENAI_BASE_URL and ANTHROPIC_BASE_URL like the SDKs", async () => {
    const saved = [process.env.OPENAI_BASE_URL, process.env.ANTHROPIC_BASE_URL];
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/openai-env/v1";
    process.env.ANTHROPIC_BASE_URL = "http://127.0.0.1:9/anthropic-env";
    try {
      const conn = await connect("openai", { apiKey: OPENAI_KEY }, { keyRequired: true });
      expect(conn.client.baseURL).toBe(process.env.OPENAI_BASE_URL);
      const adapter = await anthropicProvider({ apiKey: ANTHROPIC_KEY });
      expect(await adapter.getProviderMetadata(session)).toMatchObject({
        baseURL: process.env.ANTHROPIC_BASE_URL,
      });
    } finally {
      for (const [k, v] of [
        ["OPENAI_BASE_URL", saved[0]],
        ["ANTHROPIC_BASE_URL", saved[1]],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
