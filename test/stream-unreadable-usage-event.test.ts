/**
 * A stream whose `usage` event cannot be read fails the turn (stream-events.ts checkUsageEvent),
 * but the event says tokens were spent: the turn is unpriced, never a known $0 or a cost taken
 * from counts the adapter's own flags put in doubt. Before, unreadable counts were stored as $0,
 * and a `usageUnknown` that is not a boolean ("yes") had its counts taken as exact. A `done` reply
 * with unreadable counts is unpriced too (reply-unreadable-usage-unpriced.test.ts);
 * docs/providers.md: unreadable counts are "spent but unknown ... an unpriced turn".
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderAdapter, ProviderStreamEvent, TokenUsage } from "../src/index.js";

const BAD = { inputTokens: 120.5, outputTokens: 30, cachedTokens: 0, cacheCreationTokens: 0 };
const USAGE = { inputTokens: 100, outputTokens: 50, cachedTokens: 0, cacheCreationTokens: 0 };

const cases: [string, ProviderStreamEvent[]][] = [
  [
    "with unreadable counts",
    [
      { type: "usage", usage: BAD as TokenUsage },
      { type: "done", reply: { content: "x", usage: BAD as TokenUsage, finishReason: "stop" } },
    ],
  ],
  [
    "whose usageUnknown is not a boolean, after text",
    [
      { type: "delta", text: "Hel" },
      { type: "usage", usage: USAGE, usageUnknown: "yes" } as unknown as ProviderStreamEvent,
      { type: "done", reply: { content: "Hello", usage: USAGE, finishReason: "stop" } },
    ],
  ],
];

it.each(cases)("a streamed usage event %s leaves the failed turn unpriced", async (_, events) => {
  const adapter: ProviderAdapter = {
    name: "mine",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 2 }),
    sendTurn: async () => {
      throw new Error("unused");
    },
    async *streamTurn() {
      yield* events;
    },
  };
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
