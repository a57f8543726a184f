import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import type { ProviderAdapter, ProviderReply } from "../../src/providers/types.js";
import type { SessionMetrics } from "../../src/types.js";
import { readToEnd } from "../helpers/replies.js";
import { chatCompletion, json, sse, startWire, type Json, type WireServer } from "./edge/wire.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

// README: an unknown cost is null, "never a silent 0". A turn whose provider never said what it
// spent was stored as four zero counts and priced $0, even for a model with a price.
let wire: WireServer | undefined;
let fake: OpenAIFakeServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await wire?.close();
  await fake?.close();
  manager = wire = fake = undefined;
});

const PRICED = { "priced-model": { input: 1, output: 2 } };
const unpriced = { costUsd: null, unpricedTurns: 1, totalTokens: 0 };
const metricsOf = async (s: { getMetrics(): Promise<SessionMetrics> }) => {
  const m = await s.getMetrics();
  return { costUsd: m.costUsd, unpricedTurns: m.unpricedTurns, totalTokens: m.totalTokens };
};

describe("a compatible server that reports no usage", () => {
  const chunk = (delta: Json, finish: string | null = null): Json => ({
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });

  async function start(): Promise<SessionManager> {
    // Ignores stream_options.include_usage: no usage chunk, and no usage in a whole reply.
    wire = await startWire((_path, body, res) => {
      if (body.stream) {
        return sse(
          res,
          [
            chunk({ role: "assistant", content: "" }),
            chunk({ content: "hello" }),
            chunk({}, "stop"),
          ],
          false,
        );
      }
      const reply = chatCompletion("m", { role: "assistant", content: "hello" }, "stop");
      json(res, 200, { ...reply, usage: undefined });
    });
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${wire.origin}/v1` } },
      pricing: PRICED,
    });
    return manager;
  }

  for (const model of ["priced-model", "some-unpriced-model"]) {
    it(`counts a streamed turn as unpriced, not free (${model})`, async () => {
      const s = await (await start()).createSession("u", "openai-compatible", model);
      await readToEnd(s.streamMessage("hi"));
      expect(await metricsOf(s)).toEqual(unpriced);
    });
  }

  it("counts a whole (not streamed) reply without usage the same way", async () => {
    const s = await (await start()).createSession("u", "openai-compatible", "priced-model");
    expect((await s.sendMessage("hi")).content).toBe("hello");
    expect(await metricsOf(s)).toEqual(unpriced);
  });
});

describe("an OpenAI stream cut before response.completed", () => {
  it("stores what arrived as an unpriced turn (usage comes only with the final event)", async () => {
    fake = await startOpenAIServer();
    manager = createSessionManager({
      providers: { openai: { apiKey: "sk-test-openai-0123456789abcdef", baseURL: fake.url } },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o-mini"); // a priced model
    fake.enqueue({ kind: "drop", afterChunks: 3 });
    const { error } = await readToEnd(s.streamMessage("hello"));
    expect(error).toBeInstanceOf(ProviderError);
    const stored = await s.getMessages();
    expect(stored[1]).toMatchObject({ finishReason: "error", metadata: { partial: true } });
    expect(await metricsOf(s)).toEqual(unpriced);
  });
});

describe("a custom adapter", () => {
  const adapter = (extra: Partial<ProviderReply>): ProviderAdapter => {
    const reply = (): ProviderReply => ({
      content: "ok",
      usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheCreationTokens: 0 },
      ...extra,
    });
    return {
      name: "mine",
      historyMode: () => "none",
      sendTurn: reply,
      async *streamTurn() {
        yield { type: "done", reply: reply() };
      },
      priceOf: () => ({ input: 1, output: 1 }),
    };
  };

  it("that says nothing of it is priced as before; one that sets usageUnknown is unpriced", async () => {
    manager = createSessionManager({
      providers: {
        mine: { adapter: adapter({}) },
        unknown: { adapter: { ...adapter({ usageUnknown: true }), name: "unknown" } },
      },
    });
    const plain = await manager.createSession("u", "mine", "m");
    await plain.sendMessage("hi");
    expect(await metricsOf(plain)).toEqual({ costUsd: 0, unpricedTurns: 0, totalTokens: 0 });
    const unknown = await manager.createSession("u", "unknown", "m");
    await unknown.sendMessage("hi");
    expect(await metricsOf(unknown)).toEqual(unpriced);
  });

  it("whose usageUnknown is not a boolean fails the turn as the provider's fault", async () => {
    const bad = adapter({ usageUnknown: "yes" as unknown as boolean });
    manager = createSessionManager({ providers: { mine: { adapter: bad } } });
    const s = await manager.createSession("u", "mine", "m");
    await expect(s.sendMessage("hi")).rejects.toThrow(/usageUnknown is not a boolean/);
  });
});
