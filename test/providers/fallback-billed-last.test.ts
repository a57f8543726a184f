import { describe, expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { ProviderAdapter, ProviderTurnInput } from "../../src/providers/types.js";

// docs/providers.md: what the API billed for a failed turn is counted the same whether the turn
// was sent or streamed, each attempt of a fallback chain included: here the primary fails
// retryably (billed 100) and the fallback finally (billed 50).
const usage = (n: number) => ({
  inputTokens: n,
  outputTokens: 0,
  cachedTokens: 0,
  cacheCreationTokens: 0,
});

function adapter(name: string, n: number, retryable: boolean): ProviderAdapter {
  const fail = () =>
    new ProviderError(name, "failed after reading the prompt", {
      status: retryable ? 529 : 400,
      retryable,
      spent: [{ usage: usage(n) }],
    });
  return {
    name,
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 1 }),
    sendTurn: async (_turn: ProviderTurnInput) => {
      throw fail();
    },
    // eslint-disable-next-line require-yield
    async *streamTurn(_turn: ProviderTurnInput) {
      throw fail();
    },
  };
}

async function billed(stream: boolean): Promise<number> {
  const manager = createSessionManager({
    providers: {
      first: {
        adapter: adapter("first", 100, true),
        fallback: [{ provider: "second", model: "m2" }],
      },
      second: { adapter: adapter("second", 50, false) },
    },
  });
  try {
    const s = await manager.createSession("u", "first", "m1");
    const failed = stream
      ? (async () => {
          for await (const _ of s.streamMessage("hello")) void _;
        })()
      : s.sendMessage("hello");
    await expect(failed).rejects.toBeInstanceOf(ProviderError);
    return (await s.getMetrics()).inputTokens;
  } finally {
    await manager.close();
  }
}

describe("a fallback chain whose last attempt fails non-retryable but billed", () => {
  it("sent: counts both attempts", async () => {
    expect(await billed(false)).toBe(150);
  });
  it("streamed: counts both attempts too, as the sent turn does", async () => {
    expect(await billed(true)).toBe(150);
  });
});
