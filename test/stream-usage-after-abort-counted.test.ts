/**
 * 98787f8 made a stream count a `done` reply that arrives after the abort (countFinal). But an
 * adapter that ignores the signal and reports its final count in a `usage` event before `done`
 * (as the built-in adapters do: the usage chunk, then done) has that event dropped by the
 * aborted check, the loop ends before `done`, and the turn is stored as a known $0 turn.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter, USAGE } from "./helpers/own-adapter.js";

it("a final usage event arriving after the abort is counted (or the turn unpriced), not a known $0", async () => {
  const adapter = ownAdapter({
    async *streamTurn() {
      await sleep(60); // a backend that does not watch the signal
      yield { type: "usage", usage: USAGE };
      yield { type: "done", reply: { content: "late", usage: USAGE, finishReason: "stop" } };
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const controller = new AbortController();
  const stream = session.streamMessage("hi", { signal: controller.signal });
  const reply = stream.reply.catch((e: unknown) => e);
  await sleep(10);
  controller.abort();
  expect(await reply).toBeInstanceOf(ProviderError);
  const m = await session.getMetrics();
  expect(m.inputTokens === USAGE.inputTokens || m.unpricedTurns === 1).toBe(true);
  await manager.close();
});

it("output that begins after the abort (a delta) makes the turn unpriced, not a known $0", async () => {
  const adapter = ownAdapter({
    async *streamTurn() {
      await sleep(60); // signal ignored: the model's text starts arriving after the abort
      yield { type: "delta", text: "late" };
      yield { type: "done", reply: { content: "late", usage: USAGE, finishReason: "stop" } };
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const controller = new AbortController();
  const reply = session
    .streamMessage("hi", { signal: controller.signal })
    .reply.catch((e: unknown) => e);
  await sleep(10);
  controller.abort();
  expect(await reply).toBeInstanceOf(ProviderError);
  const m = await session.getMetrics();
  expect(m.inputTokens === USAGE.inputTokens || m.unpricedTurns === 1).toBe(true);
  await manager.close();
});
