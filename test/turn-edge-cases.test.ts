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

  it("an already-aborted signal stops a turn before it starts: nothing is stored", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    const stream = session.streamMessage("hello", { signal: AbortSignal.abort() });
    await expect(stream.complete()).rejects.toThrow(/aborted before the turn started/);
    const sent = session.sendMessage("hello", { signal: AbortSignal.abort() });
    await expect(sent).rejects.toBeInstanceOf(ProviderError);
    expect(await session.getMessages()).toEqual([]);
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

describe("turn edge cases found on the second review", () => {
  it("a turn queued behind another object's provider switch runs on the switched record", async () => {
    mock = new MockProvider({ latencyMs: 20, reply: (t) => `model ${t.session.model}` });
    manager = createSessionManager({ providers: { mock: { adapter: mock } } });
    const a = await manager.createSession("u", "mock", "m-old", {
      providerConfig: { temperature: 0.1 },
    });
    const b = await manager.getSession(a.sessionId);
    const first = a.sendMessage("one");
    const switched = a.switchProvider("mock", "m-new", { temperature: 0.9 });
    const queued = b.sendMessage("two");
    await Promise.all([first, switched]);
    expect((await queued).content).toBe("model m-new");
    expect(b.model).toBe("m-new");
    // Without a config, the current one (read under the turn) moves along.
    await b.switchProvider("mock", "m3");
    expect((await manager.getSession(a.sessionId)).providerConfig).toEqual({ temperature: 0.9 });
  });

  it("a stream brings its Session object up to date with the record it used", async () => {
    const a = await setUp().createSession("u", "mock", "m-old");
    const b = await manager.getSession(a.sessionId);
    await a.switchProvider("mock", "m-new");
    await b.streamMessage("hi").complete();
    expect(b.model).toBe("m-new");
  });

  it("middleware editing its argument in place cannot change role, ids or tool fields", async () => {
    setUp({
      middleware: [
        {
          outgoing: (m: { role: string; messageId: string; content: string }) => {
            m.role = "system";
            m.messageId = "dup";
            return m;
          },
          incoming: (m: { role: string; finishReason?: string }) => {
            m.role = "user";
            m.finishReason = "hacked";
            return m;
          },
        },
      ],
    });
    const session = await manager.createSession("u", "mock", "m");
    await session.sendMessage("hi");
    const [input, reply] = await session.getMessages();
    expect(input!.role).toBe("user");
    expect(input!.messageId).not.toBe("dup");
    expect(reply!).toMatchObject({ role: "assistant", finishReason: "stop" });
  });

  it("copies JSON as JSON does: holes become null, a __proto__ key stays data", async () => {
    const session = await setUp().createSession("u", "mock", "m");
    const context = JSON.parse('{"__proto__": {"polluted": 1}, "list": [1, 2, 3]}') as Record<
      string,
      unknown
    >;
    // eslint-disable-next-line no-sparse-arrays
    context.sparse = [1, , 3];
    await session.updateContext(context);
    const stored = (await manager.getSession(session.sessionId)).context;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect((stored as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.hasOwn(stored, "__proto__")).toBe(true);
    expect(stored.sparse).toEqual([1, null, 3]);
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 150; i++) at = (at.next = {}) as Record<string, unknown>;
    await expect(session.updateContext(deep)).rejects.toBeInstanceOf(ValidationError);
  });

  it("stores a turn once even if an adapter sends a second final reply", async () => {
    const reply = { content: "ok", usage: usage(1, 1), finishReason: "stop" };
    const adapter: ProviderAdapter = {
      name: "twice",
      historyMode: () => "none",
      sendTurn: () => Promise.reject(new Error("unused")),
      async *streamTurn(): AsyncIterable<ProviderStreamEvent> {
        yield { type: "delta", text: "ok" };
        yield { type: "done", reply };
        yield { type: "done", reply };
      },
    };
    manager = createSessionManager({ providers: { twice: { adapter } } });
    const session = await manager.createSession("u", "twice", "m");
    expect((await session.streamMessage("x").complete()).content).toBe("ok");
    expect(await session.getMessages()).toHaveLength(2);
  });

  it("a programming error in an adapter is not retryable (no fallback for a bug)", async () => {
    const adapter: ProviderAdapter = {
      name: "buggy",
      historyMode: () => "none",
      sendTurn: async () => {
        throw new TypeError("cannot read properties of undefined");
      },
      streamTurn: () => {
        throw new Error("unused");
      },
    };
    manager = createSessionManager({ providers: { buggy: { adapter } } });
    const session = await manager.createSession("u", "buggy", "m");
    await expect(session.sendMessage("x")).rejects.toMatchObject({ retryable: false });
  });
});
