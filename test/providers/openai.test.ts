import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProviderError, StorageError, ValidationError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { MockProvider } from "../../src/providers/mock.js";
import { describeProviderConformance, modelCalls } from "./conformance.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";
import type { ProviderHarness } from "./fake/types.js";
import type { SessionStorage, SyncTurnStorage } from "../../src/storage/types.js";

const API_KEY = "sk-test-openai-0123456789abcdef";

const harness = (overrides: Partial<ProviderHarness> & { extra?: object }): ProviderHarness => ({
  name: "openai (native state)",
  provider: "openai",
  model: "gpt-4o-mini",
  nativeState: true,
  startServer: startOpenAIServer,
  providerOptions: (server) => ({ apiKey: API_KEY, baseURL: server.url, ...overrides.extra }),
  ...overrides,
});

describeProviderConformance(harness({}));
describeProviderConformance(
  harness({
    name: "openai (nativeState: false)",
    nativeState: false,
    extra: { nativeState: false },
  }),
);
describeProviderConformance(
  harness({
    name: "openai-compatible",
    provider: "openai-compatible",
    model: "llama3.2",
    nativeState: false,
  }),
);

describe("openai specifics", () => {
  let server: OpenAIFakeServer;
  let manager: SessionManager;

  beforeEach(async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { openai: { apiKey: API_KEY, baseURL: server.url } },
    });
  });
  afterEach(async () => {
    await manager.close();
    await server.close();
  });

  /** Runs `fn`, expecting a StorageError, while one storage method fails; restores it after. */
  async function whileFailing(
    method: "appendMessages" | "clearMessages" | "updateSession",
    fn: () => Promise<unknown>,
  ): Promise<void> {
    const storage = manager.storage as SessionStorage & Partial<SyncTurnStorage>;
    const original = storage[method];
    const sync = storage.appendTurnSync;
    storage[method] = (() => Promise.reject(new StorageError("memory", "down"))) as never;
    // The memory store also appends a turn synchronously: that path fails too.
    if (method === "appendMessages") delete storage.appendTurnSync;
    try {
      await expect(fn()).rejects.toBeInstanceOf(StorageError);
    } finally {
      storage[method] = original as never;
      if (sync) storage.appendTurnSync = sync;
    }
  }

  it("refuses assistantId: the Assistants API is gone", async () => {
    for (const field of ["assistantId", "assistant_id"]) {
      const error = await manager
        .createSession("u", "openai", "gpt-4o", { providerConfig: { [field]: "asst_abc" } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: `providerConfig.${field}` });
      expect(String((error as Error).message)).toMatch(
        /Assistants API was shut down.*conversations/,
      );
    }
    expect(server.requests).toHaveLength(0);
    expect(await manager.getUserSessions("u")).toHaveLength(0);
  });

  it("creates a conversation carrying the session's metadata and the thread metadata", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o", {
      providerConfig: { threadMetadata: { user_type: "premium" } },
      sessionConfig: { metadata: { team: "support", tags: ["a", "b"], long: "x".repeat(600) } },
    });
    const conversation = server.conversations.get(session.providerSessionId!)!;
    expect(session.providerSessionId).toMatch(/^conv_/);
    expect(conversation.metadata).toEqual({
      user_type: "premium",
      session_id: session.sessionId,
      team: "support",
      tags: '["a","b"]',
      long: "x".repeat(512),
    });
    const meta = await session.providerSession.getProviderMetadata();
    expect(meta).toMatchObject({
      provider: "openai",
      historyMode: "native",
      conversationId: session.providerSessionId,
      conversationMetadata: { user_type: "premium" },
    });
    expect(typeof meta.conversationCreatedAt).toBe("string");
  });

  it("refuses thread metadata outside the API's limits, before anything is created", async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"]));
    await expect(
      manager.createSession("u", "openai", "gpt-4o", {
        providerConfig: { threadMetadata: tooMany },
      }),
    ).rejects.toMatchObject({ field: "providerConfig.threadMetadata" });
    await expect(
      manager.createSession("u", "openai", "gpt-4o", { providerConfig: { nativeState: "no" } }),
    ).rejects.toMatchObject({ field: "providerConfig.nativeState" });
    expect(server.conversations.size).toBe(0);
  });

  it("keeps both turns in the conversation and sends no history", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await session.sendSystemMessage("Be brief.");
    await session.sendMessage("one");
    await session.sendMessage("two");
    const calls = modelCalls(server);
    expect(calls[1]!.body).toMatchObject({ conversation: session.providerSessionId });
    expect(calls[1]!.body).not.toHaveProperty("previous_response_id");
    expect((calls[1]!.body as { input: unknown[] }).input).toHaveLength(1);
    const items = server.conversations.get(session.providerSessionId!)!.items;
    const texts = items.map((i) => [i.role, (i.content as { text: string }[])[0]!.text]);
    expect(texts).toEqual([
      ["developer", "Be brief."],
      ["user", "one"],
      ["assistant", "Echo: one"],
      ["user", "two"],
      ["assistant", "Echo: two"],
    ]);
    const stored = await session.getMessages();
    expect(stored[2]!.providerMessageId).toBe(items[2]!.id);
  });

  it("deletes the conversation with the session, and the old one on clearMessages", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    const first = session.providerSessionId!;
    await session.clearMessages();
    expect(server.deletedConversations.has(first)).toBe(true);
    const second = session.providerSessionId!;
    expect(server.conversations.has(second)).toBe(true);
    await manager.deleteSession(session.sessionId);
    expect(server.deletedConversations.has(second)).toBe(true);
  });

  it("a system message that cannot be stored is taken back from the conversation", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await session.sendMessage("one");
    await whileFailing("appendMessages", () => session.sendSystemMessage("Be brief."));
    const roles = () =>
      server.conversations.get(session.providerSessionId!)!.items.map((i) => i.role);
    expect(roles()).toEqual(["user", "assistant"]);
    await session.sendSystemMessage("Be brief.");
    expect(roles()).toEqual(["user", "assistant", "developer"]);
    expect((await session.getMessages()).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "system",
    ]);
  });

  it("a clear whose storage step fails leaves a working session; a retry finishes it", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await session.sendMessage("remember this");
    const first = session.providerSessionId!;
    await whileFailing("clearMessages", () => session.clearMessages());
    // The model already forgot (fresh conversation, old one deleted); the session still works.
    expect(server.deletedConversations.has(first)).toBe(true);
    expect(session.providerSessionId).not.toBe(first);
    expect((await session.sendMessage("still there?")).content).toBe("Echo: still there?");
    await session.clearMessages();
    expect(await session.getMessages()).toEqual([]);
    expect((await session.sendMessage("fresh")).content).toBe("Echo: fresh");
  });

  it("a clear whose record update fails keeps the old conversation and drops the new one", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await session.sendMessage("remember this");
    const first = session.providerSessionId!;
    await whileFailing("updateSession", () => session.clearMessages());
    expect(session.providerSessionId).toBe(first);
    expect(server.deletedConversations.has(first)).toBe(false);
    // The conversation made for the clear is gone again: only the session's own one is left.
    expect([...server.conversations.keys()]).toEqual([first]);
    expect(await session.getMessages()).toHaveLength(2);
    expect((await session.sendMessage("next")).content).toBe("Echo: next");
  });

  it("a switch whose record update fails drops the conversation made for it", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    const first = session.providerSessionId!;
    await whileFailing("updateSession", () => session.switchProvider("openai", "gpt-4.1"));
    expect([...server.conversations.keys()]).toEqual([first]);
    expect(session.model).toBe("gpt-4o");
    expect((await session.sendMessage("still here")).content).toBe("Echo: still here");
  });

  it("a turn the storage could not keep: the conversation starts afresh from the transcript", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await session.sendMessage("one");
    const first = session.providerSessionId!;
    await whileFailing("appendMessages", () => session.sendMessage("lost"));
    expect(await session.getMessages()).toHaveLength(2); // the storage kept nothing of it
    expect(server.deletedConversations.has(first)).toBe(true); // the model's copy held the turn
    const items = server.conversations.get(session.providerSessionId!)!.items;
    expect(items.map((i) => i.role)).toEqual(["user", "assistant"]);
    expect((await session.sendMessage("two")).content).toBe("Echo: two");
    expect(server.conversations.get(session.providerSessionId!)!.items).toHaveLength(4);
  });

  it("a clear still clears when the old conversation cannot be deleted, with a warning", async () => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 });
    const m = createSessionManager({ providers: { openai: { client } } });
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const session = await m.createSession("u", "openai", "gpt-4o");
      const first = session.providerSessionId!;
      client.conversations.delete = (() => Promise.reject(new Error("delete refused"))) as never;
      await session.clearMessages();
      expect(session.providerSessionId).not.toBe(first);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(first), {
        code: "LANGSWARM_PROVIDER_CLEANUP_FAILED",
      });
    } finally {
      warn.mockRestore();
      await m.close();
    }
  });

  it("seeds a new conversation with the whole transcript when a session moves to openai", async () => {
    const mock = new MockProvider();
    const m = createSessionManager({
      providers: { openai: { apiKey: API_KEY, baseURL: server.url }, mock: { adapter: mock } },
    });
    try {
      const session = await m.createSession("u", "mock", "mock-model");
      for (let i = 0; i < 12; i++) await session.sendMessage(`turn ${i}`);
      await session.switchProvider("openai", "gpt-4o");
      const items = server.conversations.get(session.providerSessionId!)!.items;
      expect(items).toHaveLength(24); // more than one create call takes
      await session.sendMessage("next");
      expect(server.conversations.get(session.providerSessionId!)!.items).toHaveLength(26);
    } finally {
      await m.close();
    }
  });

  it("serves a session with a non-conversation id (a V1 thread) from the stored transcript", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await session.sendMessage("kept-text");
    await manager.storage.updateSession(session.sessionId, { providerSessionId: "thread_abc" });
    const again = await manager.getSession(session.sessionId);
    await again.sendMessage("more");
    const body = modelCalls(server).at(-1)!.body as Record<string, unknown>;
    expect(body.store).toBe(false);
    expect(body).not.toHaveProperty("conversation");
    expect(JSON.stringify(body)).toContain("kept-text");
  });

  it("prices known models itself and counts cached input tokens", async () => {
    const session = await manager.createSession("u", "openai", "gpt-4o-mini-2024-07-18");
    server.enqueue({
      kind: "reply",
      text: "ok",
      usage: { input: 2000, output: 100, cached: 1024 },
    });
    await session.sendMessage("hi");
    const metrics = await session.getMetrics();
    expect(metrics).toMatchObject({ inputTokens: 2000, cachedTokens: 1024, outputTokens: 100 });
    expect(metrics.costUsd).toBeCloseTo((976 * 0.15 + 1024 * 0.075 + 100 * 0.6) / 1e6, 12);
  });

  it("refuses a maxTokens the Responses API would refuse (below 16) before anything is sent", async () => {
    const made = manager.createSession("u", "openai", "gpt-4o", {
      providerConfig: { maxTokens: 10 },
    });
    await expect(made).rejects.toMatchObject({ field: "providerConfig.maxTokens" });
    expect(server.requests).toHaveLength(0);
  });

  it("passes sampling settings and tools in the Responses format", async () => {
    const tool = { type: "function", function: { name: "f", parameters: { type: "object" } } };
    const session = await manager.createSession("u", "openai", "gpt-4o", {
      providerConfig: { temperature: 0.3, maxTokens: 64, tools: [tool] },
    });
    await session.sendMessage("hi");
    expect(modelCalls(server)[0]!.body).toMatchObject({
      temperature: 0.3,
      max_output_tokens: 64,
      tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: false }],
    });
  });

  it("falls back to another provider only when configured, and says so", async () => {
    const fail = { kind: "error", status: 500, headers: { "retry-after-ms": "5" } } as const;
    server.enqueue(fail, fail, fail);
    const session = await manager.createSession("u", "openai", "gpt-4o");
    await expect(session.sendMessage("no fallback")).rejects.toThrow(ProviderError);

    const m = createSessionManager({
      providers: {
        openai: { apiKey: API_KEY, baseURL: server.url, fallback: ["mock"] },
        mock: null,
      },
    });
    try {
      const s = await m.createSession("u", "openai", "gpt-4o");
      // Another provider may answer, so the transcript owns the history, not a conversation.
      expect(s.providerSessionId).toBeNull();
      server.enqueue(fail, fail, fail);
      const reply = await s.sendMessage("with fallback");
      expect(reply).toMatchObject({
        content: "Echo: with fallback",
        metadata: { fallbackFrom: "openai", servedBy: "mock" },
      });
      const next = await s.sendMessage("openai again");
      expect(next.metadata.servedBy).toBeUndefined();
      expect(JSON.stringify(modelCalls(server).at(-1)!.body)).toContain("Echo: with fallback");
      // A non-retryable failure is not handed to the fallback.
      server.enqueue({ kind: "error", status: 401 });
      await expect(s.sendMessage("auth")).rejects.toMatchObject({ status: 401 });
    } finally {
      await m.close();
    }
  });
});

describe("openai-compatible specifics", () => {
  let server: OpenAIFakeServer;
  beforeEach(async () => {
    server = await startOpenAIServer();
  });
  afterEach(() => server.close());

  it("needs a baseURL, needs no key, and sends no Authorization header without one", async () => {
    const bad = createSessionManager({ providers: { "openai-compatible": null } });
    await expect(bad.createSession("u", "openai-compatible", "m")).rejects.toMatchObject({
      field: "providers.openai-compatible.baseURL",
    });
    await bad.close();
    const m = createSessionManager({ providers: { "openai-compatible": { baseURL: server.url } } });
    const session = await m.createSession("u", "openai-compatible", "llama3.2");
    await session.sendMessage("hi");
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(server.requests[0]!.path).toBe("/v1/chat/completions");
    expect(await session.providerSession.getProviderMetadata()).toMatchObject({
      historyMode: "client",
      baseURL: server.url,
    });
    await m.close();
  });

  it("reads streamed usage from the final chunk", async () => {
    const m = createSessionManager({ providers: { "openai-compatible": { baseURL: server.url } } });
    const session = await m.createSession("u", "openai-compatible", "llama3.2");
    server.enqueue({ kind: "reply", text: "streamed", usage: { input: 40, output: 3, cached: 8 } });
    await session.streamMessage("hi").complete();
    expect(modelCalls(server)[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(await session.getMetrics()).toMatchObject({
      inputTokens: 40,
      outputTokens: 3,
      cachedTokens: 8,
    });
    await m.close();
  });
});
