import { describe, expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { ProviderAdapter, ProviderTurnInput } from "../../src/providers/types.js";
import { MockProvider } from "../../src/providers/mock.js";

// docs/providers.md (Your own provider): "A call that fails but was billed throws
// new ProviderError(name, message, { spent: [{ usage }] }): the turn ... counts those tokens (a
// stream's own usage events count instead, when it yielded any)". Fallback: "Tokens a failed
// attempt was billed (see Errors) are counted with the turn too". The sent turn counts them
// (sendWithFallback collects spentBy(error)); the streamed one through streamWithFallback drops
// the failed attempt's `spent` when it yielded no usage event.
const BILLED = { inputTokens: 100, outputTokens: 0, cachedTokens: 0, cacheCreationTokens: 0 };
const billedFailure = () =>
  new ProviderError("mine", "overloaded after reading the prompt", {
    status: 529,
    retryable: true,
    spent: [{ usage: BILLED }],
  });

function mine(): ProviderAdapter {
  return {
    name: "mine",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 1 }),
    sendTurn: async (_turn: ProviderTurnInput) => {
      throw billedFailure();
    },
    // eslint-disable-next-line require-yield
    async *streamTurn(_turn: ProviderTurnInput) {
      throw billedFailure();
    },
  };
}

async function inputTokens(stream: boolean): Promise<number> {
  const manager = createSessionManager({
    providers: {
      mine: { adapter: mine(), fallback: ["mock"] },
      mock: { adapter: new MockProvider() },
    },
  });
  try {
    const s = await manager.createSession("u", "mine", "m");
    if (stream) {
      for await (const _ of s.streamMessage("hello")) void _;
    } else {
      await s.sendMessage("hello");
    }
    const reply = await s.getMessages();
    expect(reply.at(-1)?.metadata.servedBy).toBe("mock");
    return (await s.getMetrics()).inputTokens;
  } finally {
    await manager.close();
  }
}

describe("a billed failed attempt of a fallback chain", () => {
  it("sent: counts the primary's billed input", async () => {
    expect(await inputTokens(false)).toBeGreaterThanOrEqual(100);
  });
  it("streamed: counts it too, as the sent turn does", async () => {
    const sent = await inputTokens(false);
    const streamed = await inputTokens(true);
    expect(streamed).toBe(sent);
  });
});
