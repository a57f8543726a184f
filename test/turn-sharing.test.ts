import { describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index.js";
import type { ProviderAdapter } from "../src/providers/types.js";
import { MockProvider } from "../src/testing/index.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const manager = managersClosedAfterEach();

describe("managers sharing one storage object", () => {
  it("serialise turns on one session, so each reply sees the whole transcript before it", async () => {
    const storage = memoryStorage();
    const mock = () => ({ adapter: new MockProvider({ historyAware: true, latencyMs: 1 }) });
    const a = manager({ storage, providers: { mock: mock() } });
    const b = manager({ storage, providers: { mock: mock() } });
    const first = await a.createSession("u", "mock", "m");
    const second = await b.getSession(first.sessionId);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).sendMessage(`m${i}`)),
    );
    const messages = await first.getMessages();
    expect(messages).toHaveLength(40);
    messages.forEach((m, i) => {
      if (m.role === "assistant") expect(m.content).toMatch(new RegExp(`\\[after ${i - 1}\\]$`));
    });
  });

  it("see each other's provider switches before the next turn", async () => {
    const storage = memoryStorage();
    const a = manager({
      storage,
      providers: { mock: null, other: { adapter: new MockProvider() } },
    });
    const b = manager({
      storage,
      providers: { mock: null, other: { adapter: new MockProvider() } },
    });
    const s = await a.createSession("u", "mock", "m");
    const view = await b.getSession(s.sessionId);
    await s.switchProvider("other", "o");
    await view.sendMessage("hi");
    expect(view.provider).toBe("other");
  });
});

describe("a provider this manager cannot use", () => {
  it("can be left with switchProvider: the transcript moves along, its state is reported left", async () => {
    const storage = memoryStorage();
    const gone: ProviderAdapter = {
      name: "gone",
      historyMode: () => "native",
      createProviderSession: async () => "conv_old",
      sendTurn: async () => ({
        content: "from gone",
        usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 },
      }),
      async *streamTurn() {},
    };
    const before = manager({ storage, providers: { gone: { adapter: gone } } });
    const old = await before.createSession("u", "gone", "g");
    await old.sendMessage("hello");
    // The same data, opened by a manager without that provider (as after a V1 migration).
    const after = manager({ storage, providers: { mock: null } });
    const session = await after.getSession(old.sessionId);
    await expect(session.sendMessage("x")).rejects.toMatchObject({ field: "provider" }); // not stored
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      await session.switchProvider("mock", "m");
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).toEqual([
      expect.stringMatching(
        /^LANGSWARM_PROVIDER_CLEANUP_FAILED: could not delete the provider state conv_old of session .*: its provider is not usable by this manager$/,
      ),
    ]);
    expect((await session.sendMessage("again")).content).toBe("Echo: again");
    expect((await session.getMessages()).map((m) => m.content)).toEqual([
      "hello",
      "from gone",
      "again",
      "Echo: again",
    ]);
  });
});

it("stamps a turn that waited behind others when it starts, so times follow the transcript", async () => {
  const m = manager({ providers: { mock: { adapter: new MockProvider({ latencyMs: 2 }) } } });
  const s = await m.createSession("u", "mock", "m");
  await Promise.all(Array.from({ length: 10 }, (_, i) => s.sendMessage(`m${i}`)));
  const stream = s.streamMessage("streamed");
  await Promise.all([s.sendMessage("before the stream starts"), stream.complete()]);
  const messages = await s.getMessages();
  const times = messages.map((x) => x.timestamp.getTime());
  expect(times).toEqual([...times].sort((x, y) => x - y));
  const idTimes = messages.map((x) => x.messageId.slice(0, 8)); // the time part of each id
  expect(idTimes).toEqual([...idTimes].sort());
});
