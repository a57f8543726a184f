import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import type { ProviderAdapter, ProviderReply } from "../../src/providers/types.js";
import type { SessionMetrics } from "../../src/types.js";
import { readToEnd } from "../helpers/replies.js";

// A reply the reply checks refuse is the provider's failure, but its tokens were spent.
// sendMessage counted the refused reply's usage; a streamed turn dropped the `done` reply's own
// count (the final one) and, since text had arrived, stored the turn as unpriced with 0 tokens.
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

const counts = (m: SessionMetrics) => ({
  inputTokens: m.inputTokens,
  outputTokens: m.outputTokens,
  costUsd: m.costUsd,
  unpricedTurns: m.unpricedTurns,
});

/** An adapter whose every reply is refused (its finishReason is not storable text). */
function refused(extra: Partial<ProviderReply>): ProviderAdapter {
  const reply = {
    content: "hi",
    usage: { inputTokens: 100, outputTokens: 10, cachedTokens: 0, cacheCreationTokens: 0 },
    finishReason: "st\u0000op",
    ...extra,
  } as ProviderReply;
  return {
    name: "custom",
    historyMode: () => "none",
    sendTurn: async () => reply,
    async *streamTurn() {
      yield { type: "delta", text: "hi" };
      yield { type: "done", reply };
    },
  };
}

async function bothWays(adapter: ProviderAdapter) {
  manager = createSessionManager({
    providers: { custom: { adapter } },
    pricing: { m: { input: 1, output: 1 } },
  });
  const sent = await manager.createSession("u", "custom", "m");
  await expect(sent.sendMessage("a")).rejects.toThrow(/finishReason/);
  const streamed = await manager.createSession("u", "custom", "m");
  expect((await readToEnd(streamed.streamMessage("a"))).error).toBeInstanceOf(ProviderError);
  return { sent: counts(await sent.getMetrics()), streamed: counts(await streamed.getMetrics()) };
}

describe("a streamed reply refused by the reply checks", () => {
  it("counts the tokens its done reply reports, as sendMessage does", async () => {
    const { sent, streamed } = await bothWays(refused({}));
    expect(sent).toEqual({
      inputTokens: 100,
      outputTokens: 10,
      costUsd: 0.00011,
      unpricedTurns: 0,
    });
    expect(streamed).toEqual(sent);
  });

  it("is unpriced, as sent, when that reply says its usage is unknown", async () => {
    const zero = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheCreationTokens: 0 };
    const { sent, streamed } = await bothWays(refused({ usage: zero, usageUnknown: true }));
    expect(sent).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: null, unpricedTurns: 1 });
    expect(streamed).toEqual(sent);
  });
});
