/**
 * c7883d5 made a sent reply whose usage cannot be read (fractional counts from a token
 * estimator, a count left out) an unpriced turn: "Counts that cannot be read were billed all the
 * same: an unknown amount (unpriced), never $0" (turn.ts spentOf). The streamed path was not
 * changed alike: stream-turn.ts heldStream, on a refused `done`, takes the reply's usage only
 * `if (isTokenUsage(event.reply?.usage))`; otherwise `spent`/`unknown` stay as they were, and a
 * stream whose reply came as one `done` (no deltas) is stored as a KNOWN $0 turn. Behind a
 * fallback chain the turn reads as a known cost of the failed primary attempt alone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, type SessionManager } from "../../src/index.js";
import type { ProviderAdapter, ProviderReply, TokenUsage } from "../../src/index.js";
import { readToEnd } from "../helpers/replies.js";

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

const BAD_USAGE = { inputTokens: 120.5, outputTokens: 30, cachedTokens: 0, cacheCreationTokens: 0 };

function answeringInOneDone(usage: unknown): ProviderAdapter {
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

describe("a streamed reply whose usage counts cannot be stored", () => {
  it("makes the failed turn unpriced, as sendMessage does, not a known $0", async () => {
    manager = createSessionManager({
      providers: { mine: { adapter: answeringInOneDone(BAD_USAGE) } },
    });
    const s = await manager.createSession("u", "mine", "m");
    await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError);
    const sent = await s.getMetrics();
    expect({ costUsd: sent.costUsd, unpricedTurns: sent.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });

    const s2 = await manager.createSession("u", "mine", "m");
    const { error } = await readToEnd(s2.streamMessage("hi"));
    expect(error).toBeInstanceOf(ProviderError);
    const m = await s2.getMetrics();
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  });

  it("behind a fallback: unpriced, not the known cost of the primary's attempt alone", async () => {
    manager = createSessionManager({
      providers: {
        primary: { adapter: failingBilled(), fallback: ["estimating"] },
        estimating: { adapter: answeringInOneDone(BAD_USAGE) },
      },
    });
    const s = await manager.createSession("u", "primary", "m");
    const { error } = await readToEnd(s.streamMessage("hi"));
    expect(error).toBeInstanceOf(ProviderError);
    const m = await s.getMetrics();
    expect(m.inputTokens).toBe(1_000_000);
    expect(m.costUsd).toBeNull();
  });
});
