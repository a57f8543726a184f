/**
 * `session.providerSession.getProviderMetadata()` used to answer from the `Session` object's
 * cached record, never re-read (unlike getMetrics and turns), and to bypass the manager's
 * closing: after `close()` it built a fresh SDK client and called the API.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, StorageError, type SessionManager } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./providers/fake/openai-server.js";

const KEY = "sk-test-openai-0123456789abcdef";

describe("getProviderMetadata", () => {
  let server: OpenAIFakeServer | undefined;
  let manager: SessionManager | undefined;
  afterEach(async () => {
    await manager?.close().catch(() => undefined);
    await server?.close();
    server = manager = undefined;
  });

  it("on a second Session object, after the first cleared the session, describes the live conversation", async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { openai: { apiKey: KEY, baseURL: server.url, maxRetries: 0 } },
    });
    const first = await manager.createSession("u", "openai", "gpt-4o-mini");
    const second = await manager.getSession(first.sessionId);
    await first.clearMessages(); // a fresh conversation; the old one is deleted
    // The session is healthy (a turn through `second` would use the new conversation), yet:
    const meta = await second.providerSession.getProviderMetadata(); // was: 404 ProviderError
    expect(meta.conversationId).toBe(first.providerSessionId);
    expect(meta.providerSessionId).toBe(first.providerSessionId);
  });

  it("on a second Session object, after the first switched provider, names the current provider", async () => {
    manager = createSessionManager({
      providers: { mock: { adapter: new MockProvider() }, other: { adapter: new MockProvider() } },
    });
    const first = await manager.createSession("u", "mock", "m");
    const second = await manager.getSession(first.sessionId);
    await first.switchProvider("other", "m2");
    const meta = await second.providerSession.getProviderMetadata();
    expect([meta.provider, meta.model]).toEqual(["other", "m2"]);
  });

  it("after manager.close() is refused like every other call, and makes no request", async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { openai: { apiKey: KEY, baseURL: server.url, maxRetries: 0 } },
    });
    const session = await manager.createSession("u", "openai", "gpt-4o-mini");
    await manager.close();
    const before = server.requests.length;
    // sendMessage, getMessages, getMetrics… all reject with StorageError here; this one used to
    // rebuild a fresh SDK client (never closed) and call the API.
    await expect(session.providerSession.getProviderMetadata()).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
});
