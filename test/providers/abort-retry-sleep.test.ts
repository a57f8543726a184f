import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { ProviderError } from "../../src/errors.js";
import { startOpenAIServer } from "./fake/openai-server.js";
import { startAnthropicServer } from "./fake/anthropic-server.js";
import type { FakeServer } from "./fake/types.js";
import { readToEnd } from "../helpers/replies.js";

const KEY = "sk-test-openai-0123456789abcdef";

describe("abort while the SDK waits out a 429's retry-after", () => {
  let server: FakeServer;
  let manager: SessionManager;
  afterEach(async () => {
    await manager.close();
    await server.close();
  });

  for (const provider of ["openai", "openai-compatible", "anthropic"] as const) {
    it(`${provider}: sendMessage rejects soon after the caller aborts`, async () => {
      server = provider === "anthropic" ? await startAnthropicServer() : await startOpenAIServer();
      manager = createSessionManager({
        providers: { [provider]: { apiKey: KEY, baseURL: server.url } },
      });
      const model = provider === "anthropic" ? "claude-sonnet-4-5" : "gpt-4o-mini";
      const session = await manager.createSession("u", provider, model);
      server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "20" } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const t0 = Date.now();
      const error = await session
        .sendMessage("hi", { signal: controller.signal })
        .catch((e: unknown) => e);
      const took = Date.now() - t0;
      expect(error).toBeInstanceOf(ProviderError);
      expect(took).toBeLessThan(3000);
    });
  }

  it("openai: manager.close() ends a stream waiting out a retry-after promptly", async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({ providers: { openai: { apiKey: KEY, baseURL: server.url } } });
    const session = await manager.createSession("u", "openai", "gpt-4o-mini");
    server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "20" } });
    const stream = session.streamMessage("hi");
    const reply = stream.reply.catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await manager.close();
    expect(await reply).toBeInstanceOf(ProviderError);
    expect(Date.now() - t0).toBeLessThan(3000);
    manager = createSessionManager({});
  });

  it("openai-compatible: aborting a stream waiting out a retry-after ends it as aborted", async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { "openai-compatible": { apiKey: KEY, baseURL: server.url } },
    });
    const session = await manager.createSession("u", "openai-compatible", "gpt-4o-mini");
    server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "20" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const t0 = Date.now();
    const { error } = await readToEnd(session.streamMessage("hi", { signal: controller.signal }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ message: expect.stringMatching(/aborted/), retryable: false });
  });
});

describe("a retry-after longer than the request's timeout is not waited out", () => {
  let server: FakeServer;
  let manager: SessionManager;
  afterEach(async () => {
    await manager.close();
    await server.close();
  });
  const modelCalls = () => server.requests.filter((r) => /completions|responses/.test(r.path));

  for (const provider of ["openai", "openai-compatible"] as const) {
    it(`${provider}: the 429 is raised at once, retryable (timeoutMs)`, async () => {
      server = await startOpenAIServer();
      const options = { apiKey: KEY, baseURL: server.url, timeoutMs: 5000 };
      manager = createSessionManager({ providers: { [provider]: options } });
      const session = await manager.createSession("u", provider, "gpt-4o-mini");
      server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "3600" } });
      const t0 = Date.now();
      const error = await session.sendMessage("hi").catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status: 429, retryable: true });
      expect(modelCalls()).toHaveLength(1);
    });
  }

  it("a session's own timeout bounds it too; a short wait is still retried", async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({ providers: { openai: { apiKey: KEY, baseURL: server.url } } });
    const session = await manager.createSession("u", "openai", "gpt-4o-mini", {
      providerConfig: { timeout: 5 },
    });
    server.enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "60000" } });
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect(modelCalls()).toHaveLength(1);
    server.enqueue({ kind: "error", status: 429, headers: { "retry-after-ms": "50" } });
    expect((await session.sendMessage("again")).content).toBe("Echo: again");
    expect(modelCalls()).toHaveLength(3);
  });
});
