/**
 * A stream whose `usage` event has counts that cannot be read fails the turn ("a usage event has
 * invalid token counts", stream-events.ts checkUsageEvent), and the turn is stored as a known $0
 * although the event says tokens were spent. A `done` reply with the same counts makes the turn
 * unpriced (reply-unreadable-usage-unpriced.test.ts); docs/providers.md: unreadable counts are
 * "spent but unknown ... an unpriced turn", cost "never a silent 0".
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderAdapter, TokenUsage } from "../src/index.js";

const BAD = { inputTokens: 120.5, outputTokens: 30, cachedTokens: 0, cacheCreationTokens: 0 };

const adapter: ProviderAdapter = {
  name: "mine",
  historyMode: () => "none",
  priceOf: () => ({ input: 1, output: 2 }),
  sendTurn: async () => {
    throw new Error("unused");
  },
  async *streamTurn() {
    yield { type: "usage", usage: BAD as TokenUsage };
    yield { type: "done", reply: { content: "x", usage: BAD as TokenUsage, finishReason: "stop" } };
  },
};

it("a streamed usage event with unreadable counts makes the failed turn unpriced, not a known $0", async () => {
  const manager = createSessionManager({ providers: { mine: { adapter } } });
  try {
    const s = await manager.createSession("u", "mine", "m");
    await expect(s.streamMessage("hi").reply).rejects.toBeInstanceOf(ProviderError);
    const m = await s.getMetrics();
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  } finally {
    await manager.close();
  }
});
