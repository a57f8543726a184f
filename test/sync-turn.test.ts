import { describe, expect, it } from "vitest";
import {
  memoryStorage,
  ProviderError,
  sqliteStorage,
  type SessionManager,
  type SessionMessage,
  type SessionMetrics,
} from "../src/index.js";
import type { ProviderAdapter, ProviderReply } from "../src/providers/types.js";
import { MockProvider } from "../src/testing/index.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

// A turn on the memory store with a provider that answers at once never awaits anything;
// these check that this path keeps every rule of the general one.
const createSessionManager = managersClosedAfterEach();

function make(adapter: ProviderAdapter, extra: Record<string, unknown> = {}): SessionManager {
  const m = createSessionManager({ providers: { p: { adapter } }, ...extra });
  return m;
}

function adapter(sendTurn: ProviderAdapter["sendTurn"]): ProviderAdapter {
  return {
    name: "p",
    historyMode: () => "none",
    sendTurn,
    streamTurn: () => {
      throw new Error("not used");
    },
  };
}

const reply = (content: unknown): ProviderReply =>
  ({
    content,
    usage: { inputTokens: 3, outputTokens: 4, cachedTokens: 0, cacheCreationTokens: 0 },
    finishReason: "stop",
  }) as ProviderReply;

const shape = (m: SessionMessage) => ({
  role: m.role,
  content: m.content,
  metadata: m.metadata,
  tokenCount: m.tokenCount,
  finishReason: m.finishReason,
});

describe("turns that complete synchronously", () => {
  it("store what the awaited path stores (same messages, counters and cost)", async () => {
    const storage = memoryStorage();
    let syncAppends = 0;
    const append = storage.appendTurnSync.bind(storage);
    storage.appendTurnSync = (...args) => (syncAppends++, append(...args));
    const fast = make(new MockProvider(), { storage, pricing: { m: { input: 1, output: 2 } } });
    // A hook sends the turn down the awaited path.
    const slow = make(new MockProvider(), {
      pricing: { m: { input: 1, output: 2 } },
      hooks: { onReplyReceived: () => undefined },
    });
    const results = [];
    for (const m of [fast, slow]) {
      const s = await m.createSession("u", "p", "m");
      await s.sendMessage("hello there", { metadata: { tag: 1 } });
      const last = await s.sendMessage("again");
      expect(last.content).toBe("Echo: again");
      results.push({ messages: (await s.getMessages()).map(shape), metrics: await s.getMetrics() });
    }
    const [a, b] = results;
    expect(a!.messages).toEqual(b!.messages);
    const counts = ({ sessionDuration, lastActivity, ...rest }: SessionMetrics) =>
      sessionDuration >= 0 && lastActivity ? rest : null;
    const fastMetrics = counts(a!.metrics)!;
    expect(fastMetrics).toEqual(counts(b!.metrics));
    expect(fastMetrics.totalMessages).toBe(4);
    expect(fastMetrics.costUsd).toBeGreaterThan(0);
    expect(syncAppends).toBe(2);
  });

  it("an adapter that throws at once keeps the input, unanswered, and frees the turn", async () => {
    let fail = true;
    const m = make(
      adapter((turn) => {
        if (fail) throw new ProviderError("p", "down", { status: 503, retryable: true });
        return reply(`ok ${turn.input[0]!.content}`);
      }),
    );
    const s = await m.createSession("u", "p", "m");
    await expect(s.sendMessage("one")).rejects.toMatchObject({ status: 503 });
    fail = false;
    expect((await s.sendMessage("two")).content).toBe("ok two");
    const messages = await s.getMessages();
    expect(messages.map((x) => x.content)).toEqual(["one", "two", "ok two"]);
    expect(messages[0]!.metadata).toMatchObject({ unanswered: true });
    expect((await s.getMetrics()).totalMessages).toBe(3);
  });

  it("a reply without text content is the provider's failure: the input is kept", async () => {
    const m = make(adapter(() => reply(42)));
    const s = await m.createSession("u", "p", "m");
    const error = await s.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/no text content/);
    const [input, ...rest] = await s.getMessages();
    expect(rest).toHaveLength(0);
    expect(input!.metadata).toMatchObject({ unanswered: true });
  });

  it("200 concurrent sends on one session run one at a time, in call order", async () => {
    const m = make(new MockProvider());
    const s = await m.createSession("u", "p", "m");
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.sendMessage(`m${i}`)));
    const messages = await s.getMessages();
    expect(messages).toHaveLength(400);
    messages.forEach((x, i) =>
      expect(x.content).toBe(i % 2 ? `Echo: m${(i - 1) / 2}` : `m${i / 2}`),
    );
  });

  it("the memory store's synchronous append counts like appendMessages", async () => {
    const storage = memoryStorage();
    const m = make(new MockProvider(), { storage });
    const s = await m.createSession("u", "p", "m");
    const at = new Date();
    const message = (id: string): SessionMessage => ({
      messageId: id,
      sessionId: s.sessionId,
      role: "user",
      content: id,
      timestamp: at,
      metadata: {},
    });
    const usage = { inputTokens: 2, outputTokens: 3, cachedTokens: 1, cacheCreationTokens: 0 };
    storage.appendTurnSync(s.sessionId, [message("a"), message("b")], { usage, costUsd: 0.5, at });
    await storage.appendMessages(s.sessionId, [message("c"), message("d")], {
      usage,
      costUsd: 0.5,
      at,
    });
    const record = (await storage.getSession(s.sessionId))!;
    expect(record).toMatchObject({
      messageCount: 4,
      inputTokens: 4,
      outputTokens: 6,
      cachedTokens: 2,
      costUsd: 1,
    });
    expect((await storage.getMessages(s.sessionId)).map((x) => x.messageId)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("an adapter that throws while the turn is taken leaves the session free", async () => {
    let boom = false;
    const flaky: ProviderAdapter = {
      ...adapter((turn) => reply(`ok ${turn.input[0]!.content}`)),
      historyMode: () => {
        if (boom) throw new Error("boom");
        return "client";
      },
    };
    const m = make(flaky, { storage: sqliteStorage({ dbPath: ":memory:" }) });
    const s = await m.createSession("u", "p", "m");
    await s.sendMessage("one");
    boom = true;
    await expect(s.sendMessage("two")).rejects.toThrow("boom");
    boom = false;
    expect((await s.sendMessage("three")).content).toBe("ok three");
  });

  it("a streamed final reply without text is the provider's failure: what arrived is kept", async () => {
    const m = make({
      ...adapter(() => reply("unused")),
      async *streamTurn() {
        yield { type: "delta", text: "4" };
        yield { type: "done", reply: reply(42) };
      },
    });
    const s = await m.createSession("u", "p", "m");
    await expect(s.streamMessage("hi").complete()).rejects.toBeInstanceOf(ProviderError);
    const stored = await s.getMessages();
    expect(stored.map((m) => [m.role, m.content, m.finishReason])).toEqual([
      ["user", "hi", undefined],
      ["assistant", "4", "error"],
    ]);
  });
});
