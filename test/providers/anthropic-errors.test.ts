import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError, ValidationError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { anthropicPriceOf, toProviderError } from "../../src/providers/anthropic-wire.js";
import { modelCalls } from "./conformance.js";
import { startAnthropicServer } from "./fake/anthropic-server.js";
import type { FakeServer } from "./fake/types.js";

const API_KEY = "sk-ant-api03-errors-0123456789abcdef";
const MODEL = "claude-haiku-5-5";

describe("anthropic failures and options", () => {
  let server: FakeServer;
  let manager: SessionManager | undefined;

  const open = (extra: Record<string, unknown> = {}) =>
    (manager = createSessionManager({
      providers: { anthropic: { apiKey: API_KEY, baseURL: server.url, ...extra } },
    }));
  const start = (m = open(), providerConfig: Record<string, unknown> = {}) =>
    m.createSession("u1", "anthropic", MODEL, { providerConfig });
  const fail = async (p: Promise<unknown>): Promise<ProviderError> => {
    try {
      await p;
    } catch (e) {
      return e as ProviderError;
    }
    throw new Error("expected the call to fail");
  };

  beforeEach(async () => {
    server = await startAnthropicServer();
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await server.close();
  });

  it("waits the seconds a 429's retry-after asks for", async () => {
    const session = await start();
    server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "1" } });
    const t0 = Date.now();
    expect((await session.sendMessage("hi")).content).toBe("Echo: hi");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(modelCalls(server)).toHaveLength(2);
  });

  it("reports an overloaded API (529) as retryable once retries are spent", async () => {
    const session = await start(open({ maxRetries: 0 }));
    server.enqueue({ kind: "error", status: 529 });
    const error = await fail(session.sendMessage("hi"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: "anthropic", status: 529, retryable: true });
    expect(error.message).toMatch(/529 overloaded_error: Overloaded \(request req_011[\w-]+\)/);
  });

  it("does not retry a 400 and names the API's complaint", async () => {
    const session = await start();
    server.enqueue({ kind: "error", status: 400, message: "messages: bad shape" });
    const error = await fail(session.sendMessage("hi"));
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain("invalid_request_error: messages: bad shape");
    expect(modelCalls(server)).toHaveLength(1);
  });

  it("scrubs a key that an error body quotes, from the error and the stored input", async () => {
    const session = await start();
    const masked = `${API_KEY.slice(0, 12)}****${API_KEY.slice(-4)}`;
    server.enqueue({
      kind: "error",
      status: 401,
      message: `invalid x-api-key ${API_KEY} (${masked})`,
    });
    const error = await fail(session.sendMessage("hi"));
    expect(error).toMatchObject({ status: 401, retryable: false });
    const stored = JSON.stringify(await session.getMessages());
    for (const text of [error.message, stored]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(masked);
    }
    expect(error.message).toContain("authentication_error");
  });

  it("applies the session's providerConfig.timeout (seconds) per call", async () => {
    const session = await start(open({ maxRetries: 0 }), { timeout: 0.3 });
    server.enqueue({ kind: "hang" });
    const t0 = Date.now();
    const error = await fail(session.sendMessage("hi"));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(error).toMatchObject({ status: null, retryable: true });
    expect(error.message).toContain("timed out");
  });

  it("maps an in-band stream error event to a retryable ProviderError", () => {
    const body = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    const inBand = new Anthropic.APIError(undefined, body, undefined, undefined);
    expect(toProviderError("anthropic", Anthropic, inBand)).toMatchObject({
      status: null,
      retryable: true,
    });
    const usage = { type: "error", error: { type: "invalid_request_error", message: "no" } };
    const refused = new Anthropic.APIError(undefined, usage, undefined, undefined);
    expect(toProviderError("anthropic", Anthropic, refused).retryable).toBe(false);
  });

  it("refuses bad providerConfig before anything is stored", async () => {
    const m = open();
    for (const [field, value] of [
      ["maxTokens", 0],
      ["max_tokens", 1.5],
      ["timeout", -1],
      ["tools", [{ name: "no schema" }]],
      ["conversation_metadata", "topic"],
      ["stopSequences", [""]],
      ["stop_sequences", ["END", "\n"]],
    ] as const) {
      const error = await start(m, { [field]: value }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: `providerConfig.${field}` });
    }
    expect(await m.getUserSessions("u1")).toHaveLength(0);
    expect(server.requests).toHaveLength(0);
  });

  it("needs a key: apiKey or ANTHROPIC_API_KEY", async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const m = (manager = createSessionManager({
        providers: { anthropic: { baseURL: server.url } },
      }));
      const error = await start(m).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: "providers.anthropic.apiKey" });
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it("uses a ready client, and refuses something that is not one", async () => {
    const client = new Anthropic({ apiKey: API_KEY, baseURL: server.url });
    const session = await start(open({ apiKey: undefined, client }));
    expect((await session.sendMessage("via client")).content).toBe("Echo: via client");
    await manager!.close();
    const bad = createSessionManager({ providers: { anthropic: { client: { messages: {} } } } });
    manager = bad;
    await expect(start(bad)).rejects.toMatchObject({ field: "providers.anthropic.client" });
  });

  it("sends defaultHeaders with every call", async () => {
    const session = await start(open({ defaultHeaders: { "x-team": "support" } }));
    await session.sendMessage("hi");
    expect(modelCalls(server)[0]!.headers["x-team"]).toBe("support");
  });

  it("prices dated model ids like their family and leaves unknown models unpriced", () => {
    expect(anthropicPriceOf("claude-haiku-4-5-20251001")).toEqual(
      anthropicPriceOf("claude-haiku-4-5"),
    );
    expect(anthropicPriceOf("claude-opus-4-8")).toMatchObject({
      input: 5,
      cachedInput: 0.5,
      cacheWrite: 6.25,
    });
    expect(anthropicPriceOf("claude-2099")).toBeUndefined();
  });
});
