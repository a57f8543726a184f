/**
 * A reply whose `usage` the storage cannot take (a count left out, or fractional as a token
 * estimator gives it) fails the turn as the provider's fault: the input is kept unanswered. What
 * the turn spent was counted as a known $0, sent or streamed, and behind a fallback chain the
 * tokens an earlier attempt was billed (carried on the reply as `earlier`) were dropped with it.
 *
 * docs/providers.md (Your own provider): "A spent entry whose usage is not four whole,
 * non-negative counts ... still keeps the input, and counts as spent but unknown: no tokens, and
 * an unpriced turn." README/DESIGN: an unknown cost is null, "never a silent 0". A reply that came
 * back was billed; with counts that cannot be read, the turn's cost is unknown, not free.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, type SessionManager } from "../../src/index.js";
import type { Session } from "../../src/index.js";
import { readToEnd } from "../helpers/replies.js";
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
      yield { type: "done", reply }; // a backend that does not stream: one final event
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

/** Sends (or streams) one turn; the turn fails as the provider's fault either way. */
async function failedTurn(s: Session, stream: boolean): Promise<void> {
  if (!stream)
    return void (await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError));
  expect((await readToEnd(s.streamMessage("hi"))).error).toBeInstanceOf(ProviderError);
}

describe.each([
  ["sent", false],
  ["streamed", true],
])("a %s reply whose usage counts cannot be stored", (_, stream) => {
  it("makes the failed turn unpriced, not a known $0", async () => {
    manager = createSessionManager({ providers: { mine: { adapter: answering(BAD_USAGE) } } });
    const s = await manager.createSession("u", "mine", "m");
    await failedTurn(s, stream);
    expect((await s.getMessages()).map((m) => m.metadata.unanswered)).toEqual([true]);
    const m = await s.getMetrics();
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
    await failedTurn(s, stream);
    const m = await s.getMetrics();
    expect(m.inputTokens).toBe(1_000_000);
    expect(m.costUsd).toBeNull();
  });
});
