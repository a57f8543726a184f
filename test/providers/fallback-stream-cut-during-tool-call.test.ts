/**
 * A fallback chain whose primary's stream is cut while the model writes a tool call (an `output`
 * event, no text, no final usage). The caller saw nothing of it, so the next provider answers, as
 * a sent turn's fallback would; but the primary's attempt spent output nobody counted: the turn
 * is unpriced (its reported input kept), not priced as if the attempt cost its input alone.
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { ProviderAdapter } from "../../src/providers/types.js";
import { MockProvider } from "../../src/providers/mock.js";

const INPUT = { inputTokens: 100, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 };

function cutMidToolCall(): ProviderAdapter {
  return {
    name: "mine",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 1 }),
    sendTurn: () => {
      throw new Error("not used");
    },
    async *streamTurn() {
      yield { type: "usage", usage: INPUT, outputPending: true };
      yield { type: "output" };
      throw new ProviderError("mine", "connection reset", { retryable: true });
    },
  };
}

it("falls back, and counts the cut attempt as unknown: the turn is unpriced", async () => {
  const manager = createSessionManager({
    providers: {
      mine: { adapter: cutMidToolCall(), fallback: ["mock"] },
      mock: { adapter: new MockProvider() },
    },
  });
  try {
    const s = await manager.createSession("u", "mine", "m");
    const stream = s.streamMessage("hello");
    for await (const _ of stream) void _;
    expect((await stream.reply).metadata.servedBy).toBe("mock");
    const m = await s.getMetrics();
    expect(m.inputTokens).toBeGreaterThanOrEqual(100); // the primary's input is kept
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  } finally {
    await manager.close();
  }
});
