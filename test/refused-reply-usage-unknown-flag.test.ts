// f884058 made a stream's usage event with an unreadable flag (usageUnknown "yes") unpriced:
// "counts (or flags) that cannot be read were billed all the same: an amount nobody knows".
// The final reply is refused for the same fault ("the reply's usageUnknown is not a boolean"),
// but its tokens are then counted as exact: `countFinal` (stream) tests `usageUnknown !== true`
// and `spentOf` (sendMessage) tests `usageUnknown === true`, so "yes" reads as "known" and the
// failed turn is priced at the refused reply's counts instead of being unpriced.
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderAdapter, ProviderReply } from "../src/index.js";

const USAGE = { inputTokens: 100, outputTokens: 50, cachedTokens: 0, cacheCreationTokens: 0 };
const reply = {
  content: "Hello",
  usage: USAGE,
  finishReason: "stop",
  usageUnknown: "yes",
} as unknown as ProviderReply;

const adapter: ProviderAdapter = {
  name: "mine",
  historyMode: () => "none",
  priceOf: () => ({ input: 1, output: 2 }),
  sendTurn: async () => reply,
  async *streamTurn() {
    yield { type: "delta", text: "Hello" };
    yield { type: "done", reply };
  },
};

for (const how of ["sendMessage", "streamMessage"] as const) {
  it(`${how}: a refused reply whose usageUnknown is not a boolean leaves the turn unpriced`, async () => {
    const manager = createSessionManager({ providers: { mine: { adapter } } });
    try {
      const s = await manager.createSession("u", "mine", "m");
      const failed = how === "sendMessage" ? s.sendMessage("hi") : s.streamMessage("hi").reply;
      await expect(failed).rejects.toThrow(/usageUnknown is not a boolean/);
      await expect(failed).rejects.toBeInstanceOf(ProviderError);
      const m = await s.getMetrics();
      // today: costUsd priced at 100 in / 50 out, unpricedTurns 0
      expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
        costUsd: null,
        unpricedTurns: 1,
      });
    } finally {
      await manager.close();
    }
  });
}
