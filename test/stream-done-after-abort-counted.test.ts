/**
 * The session's own change made an aborted sendMessage count what its late reply was billed
 * (turn.ts acceptReply -> spentOf(reply)), "as a stream does". A stream does not: in
 * stream-turn.ts heldStream, `controller.signal.throwIfAborted()` runs before a `done` event is
 * looked at, so a final reply that arrived after the abort is dropped together with its usage.
 * An adapter that sends its reply in one `done` (no usage events before it) is then stored as a
 * known $0 turn: no tokens, and not counted in unpricedTurns, although the API billed the reply.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter, USAGE } from "./helpers/own-adapter.js";

function lateAdapter() {
  return ownAdapter({
    sendTurn: async () => {
      await sleep(60);
      return { content: "late answer", usage: USAGE, finishReason: "stop" };
    },
    async *streamTurn() {
      await sleep(60); // a non-streaming backend behind the stream interface, signal ignored
      yield { type: "done", reply: { content: "late answer", usage: USAGE, finishReason: "stop" } };
    },
  });
}

it("sendMessage: an aborted turn counts its late reply's tokens (the new behaviour)", async () => {
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter: lateAdapter() } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const controller = new AbortController();
  const turn = session.sendMessage("hi", { signal: controller.signal }).catch((e: unknown) => e);
  await sleep(10);
  controller.abort();
  expect(await turn).toBeInstanceOf(ProviderError);
  expect((await session.getMetrics()).inputTokens).toBe(USAGE.inputTokens);
  await manager.close();
});

it("streamMessage: a done reply that arrives after the abort is counted, not a known $0", async () => {
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter: lateAdapter() } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const controller = new AbortController();
  const stream = session.streamMessage("hi", { signal: controller.signal });
  const reply = stream.reply.catch((e: unknown) => e);
  await sleep(10);
  controller.abort();
  expect(await reply).toBeInstanceOf(ProviderError);
  const metrics = await session.getMetrics();
  // Either its reported tokens are counted (as sendMessage now does) or the turn is unpriced:
  // a turn the API billed must not read as a known zero cost.
  const counted = metrics.inputTokens === USAGE.inputTokens || metrics.unpricedTurns === 1;
  expect({
    inputTokens: metrics.inputTokens,
    unpricedTurns: metrics.unpricedTurns,
    counted,
  }).toMatchObject({ counted: true });
  await manager.close();
});
