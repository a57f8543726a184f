import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, type SessionManager } from "../../src/index.js";
import type {
  ProviderAdapter,
  ProviderReply,
  ProviderStreamEvent,
} from "../../src/providers/types.js";
import { MockProvider } from "../../src/providers/mock.js";

// A streamed turn is counted as the sent one is: an attempt billed an amount nobody knows makes
// the turn unpriced (`unpricedTurns`, `costUsd: null`), never a $0 turn. Before, a fallback
// chain's failed attempt with unknown billing, a usage event with `usageUnknown`, and a refused
// final reply with `usageUnknown` all streamed as $0.

const ZERO = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheCreationTokens: 0 };
const USED = { inputTokens: 10, outputTokens: 5, cachedTokens: 0, cacheCreationTokens: 0 };

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

function adapter(stream: () => AsyncGenerator<ProviderStreamEvent>, send?: () => ProviderReply) {
  const a: ProviderAdapter = {
    name: "mine",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 1 }),
    sendTurn: async () => {
      if (send) return send();
      for await (const e of stream()) if (e.type === "done") return e.reply;
      throw new Error("no reply");
    },
    streamTurn: stream,
  };
  return a;
}

async function streamed(a: ProviderAdapter, fallback = false) {
  manager = createSessionManager({
    providers: fallback
      ? { mine: { adapter: a, fallback: ["mock"] }, mock: { adapter: new MockProvider() } }
      : { mine: { adapter: a } },
  });
  const s = await manager.createSession("u", "mine", "m");
  const stream = s.streamMessage("hello");
  const reply = await stream.reply.catch((e: unknown) => e);
  const m = await s.getMetrics();
  return { reply, s, costUsd: m.costUsd, unpricedTurns: m.unpricedTurns };
}

describe("a streamed turn billed an unknown amount", () => {
  it("of a fallback chain's failed attempt is unpriced, as the sent turn is", async () => {
    // eslint-disable-next-line require-yield
    const failing = async function* (): AsyncGenerator<ProviderStreamEvent> {
      throw new ProviderError("mine", "overloaded", {
        retryable: true,
        spent: [{ usage: ZERO, usageUnknown: true }],
      });
    };
    const out = await streamed(adapter(failing), true);
    expect((await out.s.getMessages()).at(-1)?.metadata.servedBy).toBe("mock");
    expect(out).toMatchObject({ costUsd: null, unpricedTurns: 1 });
  });

  it("said by a usage event, before the stream broke off, is unpriced", async () => {
    const cut = async function* (): AsyncGenerator<ProviderStreamEvent> {
      yield { type: "usage", usage: USED, usageUnknown: true };
      yield { type: "delta", text: "Hel" };
      throw new ProviderError("mine", "connection reset", { retryable: false });
    };
    const out = await streamed(adapter(cut));
    expect(out.reply).toBeInstanceOf(ProviderError);
    expect(out).toMatchObject({ costUsd: null, unpricedTurns: 1 });
    const stored = (await out.s.getMessages()).at(-1);
    expect(stored).toMatchObject({ content: "Hel", finishReason: "error" });
  });

  it("on a refused final reply is unpriced, as sendMessage counts it", async () => {
    const refused = { content: 42, usage: ZERO, usageUnknown: true } as unknown as ProviderReply;
    const bad = async function* (): AsyncGenerator<ProviderStreamEvent> {
      yield { type: "done", reply: refused };
    };
    const out = await streamed(adapter(bad));
    expect(out.reply).toBeInstanceOf(ProviderError);
    expect(out).toMatchObject({ costUsd: null, unpricedTurns: 1 });
  });

  it("a usage event whose usageUnknown is not a boolean fails the turn naming it", async () => {
    const odd = async function* (): AsyncGenerator<ProviderStreamEvent> {
      yield { type: "usage", usage: USED, usageUnknown: "yes" as unknown as boolean };
      yield { type: "done", reply: { content: "hi", usage: USED } };
    };
    const out = await streamed(adapter(odd));
    expect(out.reply).toBeInstanceOf(ProviderError);
    expect((out.reply as Error).message).toMatch(/usageUnknown is not a boolean/);
  });

  it("a known usage event still prices the turn", async () => {
    const fine = async function* (): AsyncGenerator<ProviderStreamEvent> {
      yield { type: "usage", usage: USED };
      yield { type: "delta", text: "hi" };
      yield { type: "done", reply: { content: "hi", usage: USED } };
    };
    const out = await streamed(adapter(fine));
    expect(out).toMatchObject({ costUsd: 15 / 1_000_000, unpricedTurns: 0 });
  });
});
