/**
 * 824b064 countLate (stream-turn.ts): an event arriving after the abort is counted for what it
 * says was spent. A `done` reply with unreadable usage makes the turn unpriced (countFinal sets
 * `unknown`), but a `usage` event with unreadable counts is silently ignored
 * (`isTokenUsage(event.usage)` guard, no else): the turn is stored as a known $0.
 * docs/providers.md: counts that cannot be read are "spent but unknown ... an unpriced turn",
 * "never a silent 0".
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderAdapter, TokenUsage } from "../src/index.js";

const BAD = { inputTokens: 120.5, outputTokens: 30, cachedTokens: 0, cacheCreationTokens: 0 };

function lateAdapter(first: "usage" | "done"): ProviderAdapter {
  return {
    name: "mine",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 2 }),
    sendTurn: async () => {
      throw new Error("unused");
    },
    async *streamTurn() {
      await sleep(60); // a backend that does not watch the signal
      if (first === "usage") yield { type: "usage", usage: BAD as TokenUsage };
      yield {
        type: "done",
        reply: { content: "late", usage: BAD as TokenUsage, finishReason: "stop" },
      };
    },
  };
}

for (const first of ["done", "usage"] as const) {
  it(`a late ${first} event with unreadable usage after the abort leaves the turn unpriced, not a known $0`, async () => {
    const manager = createSessionManager({ providers: { mine: { adapter: lateAdapter(first) } } });
    try {
      const session = await manager.createSession("u", "mine", "m");
      const controller = new AbortController();
      const reply = session
        .streamMessage("hi", { signal: controller.signal })
        .reply.catch((e: unknown) => e);
      await sleep(10);
      controller.abort();
      expect(await reply).toBeInstanceOf(ProviderError);
      const m = await session.getMetrics();
      expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
        costUsd: null,
        unpricedTurns: 1,
      });
    } finally {
      await manager.close();
    }
  });
}
