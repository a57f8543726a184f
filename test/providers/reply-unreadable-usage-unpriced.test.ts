/**
 * A reply whose `usage` the storage cannot take (a count left out, or fractional as a token
 * estimator gives it) fails the turn as the provider's fault: the input is kept unanswered. But
 * what the turn spent is then counted as a known $0 — and, behind a fallback chain, the tokens an
 * earlier attempt was billed (carried on the reply as `earlier`) are dropped with it.
 *
 * docs/providers.md (Your own provider): "A spent entry whose usage is not four whole,
 * non-negative counts ... still keeps the input, and counts as spent but unknown: no tokens, and
 * an unpriced turn." README/DESIGN: an unknown cost is null, "never a silent 0". A reply that came
 * back was billed; with counts that cannot be read, the turn's cost is unknown, not free.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, type SessionManager } from "../../src/index.js";
import type { ProviderAdapter, ProviderReply, TokenUsage } from "../../src/index.js";

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

const BAD_USAGE = { inputTokens: 120.5, outputTokens: 30, cachedTokens: 0, cacheCreationTokens: 0 };

function answering(usage: unknown): ProviderAdapter {
  const reply = {
    content: "an answer",
    usage: usage as TokenUsage,
    finishReason: "stop",
  } as ProviderReply;
  return {
    name: "estimating",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 2 }),
    sendTurn: async () => reply,
    async *streamTurn() {
      yield { type: "delta", text: reply.content };
      yield { type: "done", reply };
    },
  };
}

function failingBilled(): ProviderAdapter {
  const fail = () =>
    new ProviderError("primary", "overloaded after reading the prompt", {
      status: 529,
      retryable: true,
      spent: [
        {
          usage: {
            inputTokens: 1_000_000,
            outputTokens: 0,
            cachedTokens: 0,
            cacheCreationTokens: 0,
          },
        },
      ],
    });
  return {
    name: "primary",
    historyMode: () => "none",
    priceOf: () => ({ input: 1, output: 2 }),
    sendTurn: async () => {
      throw fail();
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw fail();
    },
  };
}

describe("a reply whose usage counts cannot be stored", () => {
  it("makes the failed turn unpriced, not a known $0", async () => {
    manager = createSessionManager({ providers: { mine: { adapter: answering(BAD_USAGE) } } });
    const s = await manager.createSession("u", "mine", "m");
    await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError);
    expect((await s.getMessages()).map((m) => m.metadata.unanswered)).toEqual([true]);
    const m = await s.getMetrics();
    // Today: { costUsd: 0, unpricedTurns: 0 }.
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  });

  it("behind a fallback, keeps the tokens the failed primary attempt was billed", async () => {
    manager = createSessionManager({
      providers: {
        primary: { adapter: failingBilled(), fallback: ["estimating"] },
        estimating: { adapter: answering(BAD_USAGE) },
      },
    });
    const s = await manager.createSession("u", "primary", "m");
    await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError);
    const m = await s.getMetrics();
    // Today: inputTokens 0 — the primary's 1M billed input tokens are gone, and the cost reads $0.
    expect(m.inputTokens).toBe(1_000_000);
    expect(m.costUsd).toBeNull();
  });
});
