import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSessionManager,
  ProviderError,
  SessionNotFoundError,
  type SessionManager,
  type SessionMessage,
} from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "lss-session-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const backends = [
  { name: "memory", storage: "memory" as const, storageConfig: {} },
  {
    name: "sqlite",
    storage: "sqlite" as const,
    storageConfig: () => ({ dbPath: join(dir, `s${n++}.db`) }),
  },
];

for (const backend of backends) {
  describe(`sessions on ${backend.name}`, () => {
    let manager: SessionManager;
    let mock: MockProvider;
    beforeEach(() => {
      mock = new MockProvider();
      const storageConfig =
        typeof backend.storageConfig === "function"
          ? backend.storageConfig()
          : backend.storageConfig;
      manager = createSessionManager({
        storage: backend.storage,
        storageConfig,
        providers: { mock: { adapter: mock } },
      });
    });
    afterEach(() => manager.close());

    it("passes the migration guide's validate_migration() scenario", async () => {
      // Test 1: Session creation
      const v2Session = await manager.createSession("test_user", "mock", "gpt-4");
      expect(v2Session.userId).toBe("test_user");
      expect(v2Session.provider).toBe("mock");
      expect(v2Session.model).toBe("gpt-4");
      // Test 2: Message handling
      const response = await v2Session.sendMessage("Hello!");
      expect(response.role).toBe("assistant");
      expect(response.content).toBe("Echo: Hello!");
      // Test 3: Conversation history
      const messages = await v2Session.getMessages();
      expect(messages.length).toBeGreaterThanOrEqual(2);
      expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
      // Test 4: Session retrieval
      const retrieved = await manager.getSession(v2Session.sessionId);
      expect(retrieved.sessionId).toBe(v2Session.sessionId);
      // Test 5: User session listing
      const userSessions = await manager.getUserSessions("test_user");
      expect(userSessions.length).toBeGreaterThanOrEqual(1);
    });

    it("serialises 200 concurrent sends on one session: 400 messages, each reply after its input", async () => {
      const session = await manager.createSession("u", "mock", "m");
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => session.sendMessage(`msg ${i}`)),
      );
      expect(replies.map((r) => r.content)).toEqual(replies.map((_, i) => `Echo: msg ${i}`));
      const all = await session.getMessages();
      expect(all).toHaveLength(400);
      for (let i = 0; i < 400; i += 2) {
        expect(all[i]!.role).toBe("user");
        expect(all[i + 1]!.content).toBe(`Echo: ${all[i]!.content}`);
      }
      expect(new Set(all.map((m) => m.messageId)).size).toBe(400);
      expect((await session.getMetrics()).totalMessages).toBe(400);
    });

    it("keeps the input of a failed turn, marked unanswered, with consistent counters", async () => {
      const session = await manager.createSession("u", "mock", "m");
      await session.sendMessage("first");
      mock.failNext(1, { status: 503 });
      const error = await session.sendMessage("second").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        provider: "mock",
        status: 503,
        retryable: true,
        code: "PROVIDER_ERROR",
      });
      const all = await session.getMessages();
      expect(all.map((m) => m.content)).toEqual(["first", "Echo: first", "second"]);
      expect(all[2]!.metadata).toMatchObject({ unanswered: true, error: { status: 503 } });
      const metrics = await session.getMetrics();
      expect(metrics.totalMessages).toBe(3);
      expect(metrics.outputTokens).toBe(Math.ceil("Echo: first".length / 4));
      await session.sendMessage("third");
      expect((await session.getMessages()).length).toBe(5);
    });

    it("streams a reply in chunks and stores it when the stream ends", async () => {
      const session = await manager.createSession("u", "mock", "m");
      const stream = session.streamMessage("a fairly long message to stream");
      const deltas: string[] = [];
      for await (const d of stream) deltas.push(d);
      expect(deltas.length).toBeGreaterThan(2);
      const reply = await stream.reply;
      expect(deltas.join("")).toBe(reply.content);
      expect((await session.getMessages()).at(-1)).toEqual(reply);
    });

    it("stores what arrived, marked aborted, when the caller breaks off a stream", async () => {
      const session = await manager.createSession("u", "mock", "m");
      const stream = session.streamMessage("a fairly long message to stream");
      let received = "";
      for await (const d of stream) {
        received += d;
        if (received.length >= 8) break;
      }
      const reply = await stream.reply;
      expect(reply).toMatchObject({
        content: received,
        finishReason: "aborted",
        metadata: { partial: true },
      });
      const stored = await session.getMessages();
      expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
      expect(stored[1]!.finishReason).toBe("aborted");
      await session.sendMessage("next"); // the lock was released
    });

    it("stores a stream that fails mid-way as partial, and raises ProviderError", async () => {
      const session = await manager.createSession("u", "mock", "m");
      mock.failNext(1, { status: 502, afterChunks: 2 });
      const stream = session.streamMessage("a fairly long message to stream");
      await expect(stream.complete()).rejects.toThrow(ProviderError);
      const stored = await session.getMessages();
      expect(stored[1]).toMatchObject({ finishReason: "error", content: "Echo: a fairly l" });
    });

    it("adds system messages, clears, merges context and reports metrics", async () => {
      const session = await manager.createSession("u", "mock", "mock-model", {
        sessionConfig: { name: "Support chat", context: { lang: "en" } },
      });
      await session.sendSystemMessage("You are a helpful assistant.");
      await session.sendMessage("Hello!");
      expect((await session.getMessages()).map((m) => m.role)).toEqual([
        "system",
        "user",
        "assistant",
      ]);
      await session.updateContext({ userPreference: "detailed_responses" });
      const again = await manager.getSession(session.sessionId);
      expect(again.context).toEqual({ lang: "en", userPreference: "detailed_responses" });
      await session.updateContext({ lang: undefined }); // removes the key
      expect(session.context).toEqual({ userPreference: "detailed_responses" });
      expect((await manager.getSession(session.sessionId)).context).toEqual(session.context);
      expect(again.name).toBe("Support chat");
      const metrics = await session.getMetrics();
      expect(metrics).toMatchObject({ totalMessages: 3, costUsd: 0, unpricedTurns: 0 });
      expect(metrics.totalTokens).toBe(metrics.inputTokens + metrics.outputTokens);
      expect(metrics.totalTokens).toBeGreaterThan(0);
      await session.clearMessages();
      expect(await session.getMessages()).toEqual([]);
      expect((await session.getMetrics()).totalMessages).toBe(0);
    });

    it("returns the newest N messages in order", async () => {
      const session = await manager.createSession("u", "mock", "m");
      for (let i = 0; i < 5; i++) await session.sendMessage(`m${i}`);
      const last = await session.getMessages({ limit: 3 });
      expect(last.map((m) => m.content)).toEqual(["Echo: m3", "m4", "Echo: m4"]);
    });

    it("finds, refuses another user's, lists, pages, archives and deletes sessions", async () => {
      const a = await manager.createSession({ userId: "alice", provider: "mock", model: "m" });
      await expect(manager.getSession(a.sessionId, { userId: "bob" })).rejects.toThrow(
        SessionNotFoundError,
      );
      await expect(manager.getSession("no-such-id")).rejects.toThrow(SessionNotFoundError);
      const more = [];
      for (let i = 0; i < 4; i++) more.push(await manager.createSession("alice", "mock", "m"));
      await new Promise((r) => setTimeout(r, 5)); // a later millisecond than every creation
      await more[0]!.sendMessage("latest activity");
      const first = await manager.getUserSessions("alice", { limit: 2 });
      expect(first[0]!.sessionId).toBe(more[0]!.sessionId);
      const second = await manager.getUserSessions("alice", {
        limit: 10,
        cursor: first.nextCursor!,
      });
      expect(first.length + second.length).toBe(5);
      expect(second.nextCursor).toBeNull();
      await manager.archiveSession(a.sessionId);
      expect(
        (await manager.getUserSessions("alice", { status: "archived" })).map((s) => s.sessionId),
      ).toEqual([a.sessionId]);
      expect(await manager.deleteSession(a.sessionId)).toBe(true);
      expect(await manager.deleteSession(a.sessionId)).toBe(false);
      await expect(manager.getSession(a.sessionId)).rejects.toThrow(SessionNotFoundError);
    });

    it("archives inactive sessions on cleanup", async () => {
      const old = await manager.createSession("carol", "mock", "m");
      const fresh = await manager.createSession("carol", "mock", "m");
      await new Promise((r) => setTimeout(r, 30));
      await fresh.sendMessage("still here");
      const cleaned = await manager.cleanupInactiveSessions({ maxInactiveHours: 15 / 3_600_000 });
      expect(cleaned).toBe(1);
      expect((await manager.getSession(old.sessionId)).status).toBe("archived");
      expect((await manager.getSession(fresh.sessionId)).status).toBe("active");
    });

    it("stores hostile and non-ASCII text verbatim", async () => {
      const session = await manager.createSession("u", "mock", "m");
      const text = "'; DROP TABLE sessions; -- 😀 naïve 中文 \u200b\u{1F468}\u200D\u{1F469} end";
      await session.sendMessage(text);
      expect((await session.getMessages())[0]!.content).toBe(text);
      expect((await manager.storage.getMemoryUsage()).sessions).toBe(1);
    });

    it("keeps the id and timestamp given to storage.addMessage", async () => {
      const session = await manager.createSession("u", "mock", "m");
      const message: SessionMessage = {
        messageId: "v1-msg-42",
        sessionId: session.sessionId,
        role: "user",
        content: "from V1",
        timestamp: new Date("2024-01-02T03:04:05.678Z"),
        metadata: { source: "v1" },
      };
      await manager.storage.addMessage(session.sessionId, message);
      expect(await session.getMessages()).toEqual([message]);
    });
  });
}
