import { describe, expect, it } from "vitest";
import {
  memoryStorage,
  ProviderError,
  sqliteStorage,
  type MessageQuery,
  type SessionMessage,
  type SessionStorage,
} from "../src/index.js";
import type { ProviderAdapter, ProviderReply, ProviderTurnInput } from "../src/providers/types.js";
import { MockProvider } from "../src/testing/index.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const createSessionManager = managersClosedAfterEach();

const usage = { inputTokens: 3, outputTokens: 4, cachedTokens: 0, cacheCreationTokens: 0 };
/** A synchronous adapter: asks for two parallel tools on "tools?", fails on "fail". */
function toolAdapter(mode: "none" | "client"): ProviderAdapter & { seen: ProviderTurnInput[] } {
  const seen: ProviderTurnInput[] = [];
  return {
    name: "p",
    seen,
    historyMode: () => mode,
    priceOf: () => ({ input: 1, output: 2 }),
    sendTurn(turn): ProviderReply {
      seen.push(turn);
      const last = turn.input.at(-1)!;
      if (last.content === "fail")
        throw new ProviderError("p", "down", { status: 503, retryable: true });
      if (last.content === "tools?") {
        return {
          content: "",
          usage,
          finishReason: "tool_calls",
          toolCalls: ["a", "b"].map((id) => ({
            id,
            type: "function" as const,
            function: { name: "f", arguments: "{}" },
          })),
        };
      }
      return { content: `ok ${last.content}`, usage, finishReason: "stop" };
    },
    async *streamTurn(turn) {
      const reply = this.sendTurn(turn) as ProviderReply;
      yield { type: "delta" as const, text: reply.content };
      yield { type: "done" as const, reply };
    },
  };
}

const shape = (m: SessionMessage) => {
  const { messageId, sessionId, timestamp, ...rest } = m;
  return messageId && sessionId && timestamp ? rest : null;
};

describe("same data on every path", () => {
  it("memory (sync), memory with hooks and sqlite store the same messages and counters", async () => {
    const results = [];
    for (const extra of [
      { storage: memoryStorage() },
      { storage: memoryStorage(), hooks: { onReplyReceived: () => undefined } },
      { storage: sqliteStorage({ dbPath: ":memory:" }) },
    ]) {
      const m = createSessionManager({
        providers: { p: { adapter: toolAdapter("client") } },
        ...extra,
      });
      const s = await m.createSession("u", "p", "m");
      await s.sendMessage("tools?");
      await s.sendMessage("A", { role: "tool", toolCallId: "a" });
      await s.sendMessage("B", { role: "tool", toolCallId: "b" });
      await expect(s.sendMessage("fail")).rejects.toBeInstanceOf(ProviderError);
      await s.streamMessage("streamed").complete();
      await s.sendSystemMessage("sys");
      const { sessionDuration, lastActivity, ...metrics } = await s.getMetrics();
      results.push({
        messages: (await s.getMessages()).map(shape),
        metrics,
        ok: sessionDuration >= 0 && !!lastActivity,
      });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe("isolation", () => {
  it("what the mock records cannot change the session's settings", async () => {
    const mock = new MockProvider();
    const m = createSessionManager({ providers: { mock: { adapter: mock } } });
    const s = await m.createSession("u", "mock", "m", {
      providerConfig: { temperature: 0.5 },
      sessionConfig: { metadata: { tag: "x" } },
    });
    await s.sendMessage("one");
    const seen = mock.calls[0]!.session;
    expect(() => ((seen.providerConfig as Record<string, unknown>).temperature = 2)).toThrow(
      TypeError,
    );
    expect(() => ((seen.metadata as Record<string, unknown>).tag = "changed")).toThrow(TypeError);
    expect(s.providerConfig).toEqual({ temperature: 0.5 });
    expect(s.metadata).toEqual({ tag: "x" });
    await s.sendMessage("two");
    expect(mock.calls[1]!.session.providerConfig).toEqual({ temperature: 0.5 });
  });

  it("refresh() returns a copy the caller may change", async () => {
    const m = createSessionManager({ providers: { mock: { adapter: new MockProvider() } } });
    const s = await m.createSession("u", "mock", "m", { providerConfig: { temperature: 0.5 } });
    await s.sendMessage("one");
    const record = await s.refresh();
    record.providerConfig.temperature = 2;
    record.model = "other";
    expect(s.providerConfig).toEqual({ temperature: 0.5 });
    expect(s.model).toBe("m");
  });

  it("a tool result with client-side history reads the transcript once, and sends it whole", async () => {
    const storage = memoryStorage();
    const adapter = toolAdapter("client");
    const m = createSessionManager({ providers: { p: { adapter } }, storage });
    const s = await m.createSession("u", "p", "m");
    await s.sendMessage("tools?");
    await s.sendMessage("A", { role: "tool", toolCallId: "a" });
    let reads = 0;
    const read = storage.getMessages.bind(storage);
    storage.getMessages = (...args) => (reads++, read(...args));
    expect((await s.sendMessage("B", { role: "tool", toolCallId: "b" })).content).toBe("ok B");
    expect(reads).toBe(1);
    const last = adapter.seen.at(-1)!;
    expect(last.history.map((x) => x.content)).toEqual(["tools?", ""]);
    expect(last.input.map((x) => x.content)).toEqual(["A", "B"]);
  });
});

describe("what an adapter returns", () => {
  it("a reply in a thenable that is not a native promise is awaited like one", async () => {
    const adapter = toolAdapter("none");
    const send = adapter.sendTurn.bind(adapter);
    const thenable = (turn: ProviderTurnInput) => ({
      then: (resolve: (r: ProviderReply) => void) => resolve(send(turn) as ProviderReply),
    });
    adapter.sendTurn = thenable as unknown as ProviderAdapter["sendTurn"];
    const m = createSessionManager({ providers: { p: { adapter } } });
    const s = await m.createSession("u", "p", "m");
    expect((await s.sendMessage("hi")).content).toBe("ok hi");
    expect((await s.getMessages()).map((x) => x.content)).toEqual(["hi", "ok hi"]);
  });

  it("a session made without config or metadata hands the provider frozen ones, and the caller copies", async () => {
    const mock = new MockProvider();
    const m = createSessionManager({ providers: { mock: { adapter: mock } } });
    const s = await m.createSession("u", "mock", "m");
    await s.sendMessage("one");
    const seen = mock.calls[0]!.session;
    expect(Object.isFrozen(seen.providerConfig) && Object.isFrozen(seen.metadata)).toBe(true);
    const config = s.providerConfig;
    config.temperature = 1;
    expect(s.providerConfig).toEqual({});
    const record = await s.refresh();
    record.metadata.tag = "x";
    expect(s.metadata).toEqual({});
  });

  it("a storage of your own whose getMessages returns a non-native thenable runs client-history turns", async () => {
    const base = memoryStorage();
    const thenable = <T>(inner: Promise<T>): PromiseLike<T> => ({
      then: (ok, bad) => thenable(inner.then(ok, bad)) as never,
    });
    const storage: SessionStorage = {
      ...base,
      name: "thenable",
      getMessages: ((id: string, o?: MessageQuery) =>
        thenable(base.getMessages(id, o))) as unknown as SessionStorage["getMessages"],
    };
    delete (storage as { appendTurnSync?: unknown }).appendTurnSync;
    const mock = new MockProvider({ historyAware: true });
    const m = createSessionManager({ storage, providers: { mock: { adapter: mock } } });
    const s = await m.createSession("u", "mock", "m");
    expect((await s.sendMessage("hi")).content).toBe("Echo: hi [after 0]");
  });
});
