import { afterEach, describe, expect, it } from "vitest";
import {
  createSessionManager,
  ProviderError,
  ValidationError,
  type SessionManager,
} from "../src/index.js";
import type { ProviderAdapter, ProviderStreamEvent } from "../src/providers/types.js";
import { MockProvider } from "../src/testing/index.js";

let manager: SessionManager;
let mock: MockProvider;
function setUp(extra: Record<string, unknown> = {}): SessionManager {
  mock = new MockProvider({ chunkSize: 2 });
  manager = createSessionManager({ providers: { mock: { adapter: mock } }, ...extra });
  return manager;
}
afterEach(() => manager.close());

describe("turn edge cases", () => {
  it("refuses a signal that is not an AbortSignal, and the session stays usable", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    const bad = { signal: "nope" as unknown as AbortSignal };
    await expect(session.sendMessage("hi", bad)).rejects.toMatchObject({ field: "signal" });
    const stream = session.streamMessage("hi", bad);
    await expect(stream.complete()).rejects.toBeInstanceOf(ValidationError);
    await expect(session.sendMessage("hi", null as never)).rejects.toMatchObject({
      field: "options",
    });
    expect((await session.sendMessage("still here")).content).toBe("Echo: still here");
    expect(await session.getMessages()).toHaveLength(2);
  });

  it("an already-aborted signal stops a stream before it starts: input kept, unanswered", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    const stream = session.streamMessage("hello", { signal: AbortSignal.abort() });
    await expect(stream.complete()).rejects.toBeInstanceOf(ProviderError);
    const [input, ...rest] = await session.getMessages();
    expect(rest).toHaveLength(0);
    expect(input!.metadata.unanswered).toBe(true);
  });

  it("aborting mid-stream raises a typed error and keeps what arrived", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    const controller = new AbortController();
    const deltas: string[] = [];
    const run = async () => {
      for await (const d of session.streamMessage("abcdefgh", { signal: controller.signal })) {
        deltas.push(d);
        if (deltas.length === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toBeInstanceOf(ProviderError);
    const reply = (await session.getMessages())[1]!;
    expect(reply.finishReason).toBe("aborted");
    expect(reply.content).toBe(deltas.join(""));
  });

  it("stores a broken-off stream with the tokens the provider reported so far", async () => {
    const adapter: ProviderAdapter = {
      name: "metered",
      historyMode: () => "none",
      sendTurn: () => Promise.reject(new Error("unused")),
      async *streamTurn(): AsyncIterable<ProviderStreamEvent> {
        yield { type: "usage", usage: usage(120, 0) };
        yield { type: "delta", text: "part" };
        yield { type: "usage", usage: usage(120, 7) };
        throw new ProviderError("metered", "connection lost", { retryable: true });
      },
      priceOf: () => ({ input: 1, output: 2 }),
    };
    manager = createSessionManager({ providers: { metered: { adapter } } });
    const session = await manager.createSession("u", "metered", "m");
    await expect(session.streamMessage("x").complete()).rejects.toBeInstanceOf(ProviderError);
    const metrics = await session.getMetrics();
    expect(metrics).toMatchObject({ inputTokens: 120, outputTokens: 7 });
    expect(metrics.costUsd).toBeCloseTo((120 * 1 + 7 * 2) / 1e6, 12);
  });

  it("a throwing incoming middleware keeps the input unanswered and counts the tokens", async () => {
    const broken = new Error("reviewer bug");
    setUp({ middleware: [{ incoming: () => Promise.reject(broken) }] });
    const session = await manager.createSession("u", "mock", "m");
    await expect(session.sendMessage("hello")).rejects.toBe(broken);
    const messages = await session.getMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.metadata).toMatchObject({ unanswered: true });
    const metrics = await session.getMetrics();
    expect(metrics.totalMessages).toBe(1);
    expect(metrics.outputTokens).toBeGreaterThan(0);
  });

  it("middleware output is checked like caller input", async () => {
    setUp({ middleware: [{ outgoing: (m: object) => ({ ...m, content: "" }) }] });
    const session = await manager.createSession("u", "mock", "m");
    await expect(session.sendMessage("hello")).rejects.toMatchObject({
      field: "middleware.outgoing.content",
    });
    expect(await session.getMessages()).toHaveLength(0);
  });

  it("a hook that throws does not fail a stored turn; it is reported as a warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      setUp({ hooks: { onReplyReceived: () => Promise.reject(new Error("hook down")) } });
      const session = await manager.createSession("u", "mock", "m");
      expect((await session.sendMessage("hi")).content).toBe("Echo: hi");
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => (w as { code?: string }).code)).toContain("LANGSWARM_HOOK_FAILED");
      expect(await session.getMessages()).toHaveLength(2);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("a second Session object of one session sees a provider switch made through the first", async () => {
    const other = new MockProvider({ reply: () => "from B" });
    manager = createSessionManager({
      providers: { mock: { adapter: new MockProvider() }, other: { adapter: other } },
    });
    const first = await manager.createSession("u", "mock", "m");
    const second = await manager.getSession(first.sessionId);
    await first.switchProvider("other", "b");
    expect((await second.sendMessage("hi")).content).toBe("from B");
    expect(second.provider).toBe("other");
  });

  it("refuses text that a backend could not store verbatim, and stores nothing", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    await expect(session.sendMessage("a\u0000b")).rejects.toMatchObject({ field: "content" });
    await expect(session.sendMessage("half \ud83d emoji")).rejects.toMatchObject({
      field: "content",
    });
    await expect(manager.createSession("u\u0000", "mock", "m")).rejects.toMatchObject({
      field: "userId",
    });
    expect(await session.getMessages()).toHaveLength(0);
  });

  it("accepts only JSON in context and metadata, the same on every backend", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    for (const [bad, path] of [
      [{ f: () => 1 }, "context.f"],
      [{ when: new Date() }, "context.when"],
      [{ n: Number.NaN }, "context.n"],
      [{ deep: { list: [1, { x: Infinity }] } }, "context.deep.list[1].x"],
    ] as const) {
      await expect(session.updateContext(bad as never)).rejects.toMatchObject({ field: path });
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(session.updateContext(cyclic)).rejects.toBeInstanceOf(ValidationError);
    await session.updateContext({ kept: 1, dropped: undefined });
    expect((await manager.getSession(session.sessionId)).context).toEqual({ kept: 1 });
  });

  it("validates cleanup and paging limits", async () => {
    setUp();
    const session = await manager.createSession("u", "mock", "m");
    for (const hours of [Infinity, -1, Number.NaN, 1e12]) {
      await expect(
        manager.cleanupInactiveSessions({ maxInactiveHours: hours }),
      ).rejects.toMatchObject({ field: "maxInactiveHours" });
    }
    expect((await manager.getSession(session.sessionId)).status).toBe("active");
    await expect(manager.getUserSessions("u", { limit: 0 })).rejects.toMatchObject({
      field: "limit",
    });
  });

  it("deletes a session whose provider is no longer configured", async () => {
    const storage = setUp().storage;
    const session = await manager.createSession("u", "mock", "m");
    // A second app version on the same store, without the mock provider configured.
    manager = createSessionManager({
      storage,
      providers: { other: { adapter: new MockProvider() } },
    });
    expect(await manager.deleteSession(session.sessionId)).toBe(true);
    expect(await storage.getSession(session.sessionId)).toBeNull();
  });
});

function usage(inputTokens: number, outputTokens: number) {
  return { inputTokens, outputTokens, cachedTokens: 0, cacheCreationTokens: 0 };
}
