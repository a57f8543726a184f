/**
 * When a native conversation starts afresh from the transcript after a failed turn: only when it
 * may hold more than the transcript (text arrived, the turn was cut off, it closed open calls, or
 * the provider says so), never after a refusal before any answer, which would re-upload the whole
 * transcript on every failed turn of an outage.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../src/index.js";
import type { ProviderStreamEvent } from "../src/providers/types.js";
import { nativeAdapter } from "./helpers/native-adapter.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const manager = managersClosedAfterEach();

/** A native adapter whose turns fail as `fail` says; `made` lists the conversations it made. */
function failingNative(fail: () => AsyncIterable<ProviderStreamEvent>) {
  return nativeAdapter({
    sendTurn: async () => {
      for await (const _ of fail()) void _;
      throw new Error("unreachable");
    },
    streamTurn: fail,
  });
}

const refused = () => new ProviderError("native", "400 invalid_request_error", { status: 400 });

describe("a native turn that failed", () => {
  it("refused before any answer: the conversation stays, sent or streamed", async () => {
    // eslint-disable-next-line require-yield
    const { adapter, made } = failingNative(async function* () {
      throw refused();
    });
    const m = manager({ providers: { native: { adapter } } });
    const session = await m.createSession("u", "native", "m");
    await expect(session.sendMessage("one")).rejects.toBeInstanceOf(ProviderError);
    await expect(session.streamMessage("two").reply).rejects.toBeInstanceOf(ProviderError);
    expect(made).toEqual(["conv_0"]);
  });

  it("after some text arrived: the conversation starts afresh", async () => {
    const { adapter, made } = failingNative(async function* () {
      yield { type: "delta", text: "half an ans" };
      throw refused();
    });
    const m = manager({ providers: { native: { adapter } } });
    const session = await m.createSession("u", "native", "m");
    await expect(session.streamMessage("two").reply).rejects.toBeInstanceOf(ProviderError);
    expect(made).toEqual(["conv_0", "conv_1"]);
    expect(session.providerSessionId).toBe("conv_1");
  });
});
