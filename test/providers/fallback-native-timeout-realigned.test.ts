/**
 * needsRealign (turn-failure.ts) realigns a native conversation when the turn was cut off after
 * the provider was asked (`cutOff`: APIConnectionTimeoutError on the cause chain). Behind a
 * fallback chain, sendWithFallback (fallback.ts) replaces the primary's timeout with the last
 * fallback's error (`lastError` / `failedAfter`): when every fallback fails too, the turn fails
 * with an error that names no timeout, and the primary's native conversation — which was asked
 * and may have answered the input (the SDK even retries timeouts) — is not rebuilt. The
 * transcript has the input unanswered; the conversation holds a reply the session never stored.
 * Control: the same primary without a fallback is realigned.
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { ProviderAdapter } from "../../src/index.js";
import { nativeAdapter } from "../helpers/native-adapter.js";

class APIConnectionTimeoutError extends Error {
  override name = "APIConnectionTimeoutError";
}

function nativeTimingOut() {
  return nativeAdapter({
    sendTurn: async () => {
      // As mapSdkError (sdk-errors.ts) maps the SDK's timeout: retryable, the SDK error as cause.
      throw new ProviderError("native", "the request timed out", {
        retryable: true,
        cause: new APIConnectionTimeoutError("Request timed out."),
      });
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw new Error("unused");
    },
  });
}

const overloaded: ProviderAdapter = {
  name: "backup",
  historyMode: () => "none",
  sendTurn: async () => {
    throw new ProviderError("backup", "overloaded", { status: 529, retryable: true });
  },
  // eslint-disable-next-line require-yield
  async *streamTurn() {
    throw new Error("unused");
  },
};

it("control: a native primary that timed out (no fallback) is realigned", async () => {
  const { adapter, made } = nativeTimingOut();
  const manager = createSessionManager({ providers: { native: { adapter } } });
  try {
    const s = await manager.createSession("u", "native", "m");
    await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError);
    expect(made).toEqual(["conv_0", "conv_1"]);
  } finally {
    await manager.close();
  }
});

it("a native primary that timed out, then a fallback that also failed, is realigned", async () => {
  const { adapter, made } = nativeTimingOut();
  const manager = createSessionManager({
    providers: {
      native: { adapter, fallback: ["backup"] },
      backup: { adapter: overloaded },
    },
  });
  try {
    const s = await manager.createSession("u", "native", "m");
    await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError);
    expect((await s.getMessages()).map((m) => m.metadata.unanswered)).toEqual([true]);
    // The primary's conversation was asked "hi" and may hold an answer: start afresh.
    expect(made).toEqual(["conv_0", "conv_1"]);
  } finally {
    await manager.close();
  }
});
