// f884058 keeps a fallback chain's primary failure in a module-wide WeakMap keyed by the error
// object the chain's turn ends with (`afterPrimary`), and `needsRealign` asks
// `primaryFailureOf(failure)` for EVERY failed turn. The entry is never cleared: an adapter that
// throws one shared ProviderError instance (a module-level `OVERLOADED` constant) carries a
// chain's old primary timeout into later, unrelated turns. A native session on that adapter
// (no chain at all) then has its conversation thrown away and rebuilt on a plain 529, because
// some other turn, earlier, in a chain, once ended with the same error object after its primary
// timed out.
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { ProviderAdapter } from "../../src/index.js";
import { nativeAdapter } from "../helpers/native-adapter.js";

// One instance, thrown every time the service is overloaded.
const OVERLOADED = new ProviderError("native", "overloaded", { status: 529, retryable: true });

const timeout = () =>
  new ProviderError("primary", "timed out", {
    retryable: true,
    cause: Object.assign(new Error("Request timed out."), { name: "APIConnectionTimeoutError" }),
  });

const primary: ProviderAdapter = {
  name: "primary",
  historyMode: () => "none",
  sendTurn: async () => {
    throw timeout();
  },
  // eslint-disable-next-line require-yield
  async *streamTurn() {
    throw timeout();
  },
};

it("a native session's plain 529 does not realign because an earlier chain ended with the same error object", async () => {
  const { adapter: native, made } = nativeAdapter({
    sendTurn: async () => {
      throw OVERLOADED;
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw OVERLOADED;
    },
  });
  const manager = createSessionManager({
    providers: {
      native: { adapter: native },
      chained: { adapter: primary, fallback: ["native"] },
    },
  });
  try {
    const direct = await manager.createSession("u", "native", "m");
    // Control: the 529 alone keeps the native conversation.
    await expect(direct.sendMessage("one")).rejects.toBe(OVERLOADED);
    expect(made).toEqual(["conv_0"]);

    // Another session, through a chain: its primary times out, the fallback throws OVERLOADED.
    const chained = await manager.createSession("u", "chained", "m");
    await expect(chained.sendMessage("x")).rejects.toBe(OVERLOADED);
    expect(made).toEqual(["conv_0"]);

    // The same 529 on the direct session again: nothing about this turn changed.
    await expect(direct.sendMessage("two")).rejects.toBe(OVERLOADED);
    expect(made).toEqual(["conv_0"]); // today: ["conv_0", "conv_1"] (realigned on the old timeout)
  } finally {
    await manager.close();
  }
});
