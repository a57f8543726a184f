/**
 * turn.ts acceptReply (new): a reply that arrived after the caller aborted is rejected as
 * aborted. The native conversation holds that whole reply, which the transcript lacks, so it
 * must start afresh from the transcript. rejectTurn realigns only if needsRealign() recognises
 * the failure: signal.reason is "AbortError" only for a bare controller.abort(); the common
 * AbortSignal.timeout() (reason name "TimeoutError") or abort(customReason) is not recognised,
 * and the conversation keeps a reply the session never stored.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { USAGE } from "./helpers/own-adapter.js";
import { nativeAdapter } from "./helpers/native-adapter.js";

function nativeLate() {
  return nativeAdapter({
    sendTurn: async () => {
      await sleep(60); // does not watch the signal; the conversation keeps this reply
      return { content: "late answer", usage: USAGE, finishReason: "stop" };
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw new Error("unused");
    },
  });
}

for (const [label, abort] of [
  [
    "AbortSignal.timeout-style reason (TimeoutError)",
    (c: AbortController) =>
      c.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
  ],
  ["a custom reason", (c: AbortController) => c.abort(new Error("user pressed stop"))],
] as const) {
  it(`sendMessage aborted with ${label} after the adapter answered realigns the native conversation`, async () => {
    const { adapter, made } = nativeLate();
    const manager = createSessionManager({
      storage: userStorage(),
      providers: { native: { adapter } },
    });
    const session = await manager.createSession("u", "native", "m");
    const controller = new AbortController();
    const turn = session.sendMessage("hi", { signal: controller.signal }).catch((e: unknown) => e);
    await sleep(10);
    abort(controller);
    expect(await turn).toBeInstanceOf(ProviderError);
    const stored = await session.getMessages();
    expect(stored.map((m) => [m.role, m.metadata.unanswered])).toEqual([["user", true]]);
    // The conversation answered "hi" with "late answer"; the transcript has no reply: start afresh.
    expect(made).toEqual(["conv_0", "conv_1"]);
    await manager.close();
  });
}

it("control: a bare controller.abort() does realign", async () => {
  const { adapter, made } = nativeLate();
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { native: { adapter } },
  });
  const session = await manager.createSession("u", "native", "m");
  const controller = new AbortController();
  const turn = session.sendMessage("hi", { signal: controller.signal }).catch((e: unknown) => e);
  await sleep(10);
  controller.abort();
  expect(await turn).toBeInstanceOf(ProviderError);
  expect(made).toEqual(["conv_0", "conv_1"]);
  await manager.close();
});

it("streamMessage aborted with a TimeoutError reason while the adapter answers realigns too", async () => {
  const { adapter, made } = nativeLate();
  adapter.streamTurn = async function* () {
    await sleep(60); // signal ignored: the provider answers regardless
    yield { type: "done", reply: { content: "late answer", usage: USAGE, finishReason: "stop" } };
  };
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { native: { adapter } },
  });
  const session = await manager.createSession("u", "native", "m");
  const controller = new AbortController();
  const reply = session
    .streamMessage("hi", { signal: controller.signal })
    .reply.catch((e: unknown) => e);
  await sleep(10);
  controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  expect(await reply).toBeInstanceOf(ProviderError);
  expect(made).toEqual(["conv_0", "conv_1"]);
  await manager.close();
});
