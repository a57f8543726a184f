// 09e29af counts a usage event before checkEvent validates it ("counted even if it is then
// refused"). A usage event whose `usageUnknown` is not a boolean ("yes") is refused
// ("a usage event's usageUnknown is not a boolean") and fails the turn, yet countUsage has
// already taken its counts as exact (`unknown = event.usageUnknown === true` is false,
// `reported` true): the partial reply is priced at those counts. Before 09e29af the refused event
// was not counted and the text that arrived made the turn unpriced. The adapter's own word on
// whether the counts are known cannot be read: the amount is one nobody knows (as countUsage
// says of unreadable counts), so the turn should be unpriced, not a definite cost.
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderAdapter, ProviderStreamEvent } from "../src/index.js";

const USAGE = { inputTokens: 100, outputTokens: 50, cachedTokens: 0, cacheCreationTokens: 0 };

const adapter: ProviderAdapter = {
  name: "mine",
  historyMode: () => "none",
  priceOf: () => ({ input: 1, output: 2 }),
  sendTurn: async () => {
    throw new Error("unused");
  },
  async *streamTurn() {
    yield { type: "delta", text: "Hel" };
    yield { type: "usage", usage: USAGE, usageUnknown: "yes" } as unknown as ProviderStreamEvent;
    yield { type: "done", reply: { content: "Hello", usage: USAGE, finishReason: "stop" } };
  },
};

it("a refused usage event (usageUnknown not a boolean) leaves the failed turn unpriced", async () => {
  const manager = createSessionManager({ providers: { mine: { adapter } } });
  try {
    const s = await manager.createSession("u", "mine", "m");
    await expect(s.streamMessage("hi").reply).rejects.toBeInstanceOf(ProviderError);
    const m = await s.getMetrics();
    // today: { costUsd: <priced at 100 in / 50 out>, unpricedTurns: 0 }
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  } finally {
    await manager.close();
  }
});
