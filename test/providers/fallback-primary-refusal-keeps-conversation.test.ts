// 09e29af: needsRealign treats every failed turn through a fallback chain as cut off
// (`primaryOf(adapter) !== adapter`), because the chain's error is its last attempt's. But a
// primary that refuses the turn with a non-retryable error (400: bad request, context too long)
// ends the chain at once, its own error unchanged: no fallback was asked and nothing hid a
// timeout. The same refusal without a fallback does not realign; with one configured, every such
// failed turn throws away the native conversation and builds a new one from the transcript
// (a createProviderSession call, with the whole history, per failed turn).
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import type { ProviderAdapter } from "../../src/index.js";
import { nativeAdapter } from "../helpers/native-adapter.js";

function nativeRefusing() {
  let asked = 0;
  const native = nativeAdapter({
    sendTurn: async () => {
      asked++;
      throw new ProviderError("native", "context length exceeded", {
        status: 400,
        retryable: false,
      });
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw new ProviderError("native", "context length exceeded", {
        status: 400,
        retryable: false,
      });
    },
  });
  return { ...native, asked: () => asked };
}

let backupAsked = 0;
const backup: ProviderAdapter = {
  name: "backup",
  historyMode: () => "none",
  sendTurn: async () => {
    backupAsked++;
    throw new ProviderError("backup", "overloaded", { status: 529, retryable: true });
  },
  // eslint-disable-next-line require-yield
  async *streamTurn() {
    backupAsked++;
    throw new ProviderError("backup", "overloaded", { status: 529, retryable: true });
  },
};

it("control: a native primary's 400 (no fallback) keeps its conversation", async () => {
  const { adapter, made } = nativeRefusing();
  const manager = createSessionManager({ providers: { native: { adapter } } });
  try {
    const s = await manager.createSession("u", "native", "m");
    await expect(s.sendMessage("hi")).rejects.toBeInstanceOf(ProviderError);
    expect(made).toEqual(["conv_0"]);
  } finally {
    await manager.close();
  }
});

for (const how of ["sendMessage", "streamMessage"] as const) {
  it(`${how}: a native primary's own 400 behind a fallback chain keeps its conversation`, async () => {
    const { adapter, made } = nativeRefusing();
    backupAsked = 0;
    const manager = createSessionManager({
      providers: { native: { adapter, fallback: ["backup"] }, backup: { adapter: backup } },
    });
    try {
      const s = await manager.createSession("u", "native", "m");
      if (how === "sendMessage") {
        await expect(s.sendMessage("hi")).rejects.toMatchObject({ status: 400 });
      } else {
        await expect(
          (async () => {
            for await (const _ of s.streamMessage("hi")) void _;
          })(),
        ).rejects.toBeInstanceOf(ProviderError);
      }
      expect(backupAsked).toBe(0); // the chain stopped at the primary: its error is its own
      expect(made).toEqual(["conv_0"]); // today: ["conv_0", "conv_1"]
    } finally {
      await manager.close();
    }
  });
}
