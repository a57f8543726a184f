/**
 * README: a failed turn raises ProviderError and keeps the input unanswered, "so does one
 * aborted through options.signal mid-turn". streamTurn enforces that "even if the adapter does
 * not watch the signal" (stream-turn.ts checks the signal at every event), but sendMessage does
 * not: with an adapter that does not pass the signal on, an aborted sendMessage still resolves
 * with the reply and stores it, as if never aborted.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter, USAGE } from "./helpers/own-adapter.js";

it("sendMessage aborted mid-turn raises ProviderError even if the adapter ignores the signal", async () => {
  const adapter = ownAdapter({
    sendTurn: async () => {
      await sleep(50); // a call that does not take the signal
      return { content: "late answer", usage: USAGE };
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const controller = new AbortController();
  const turn = session.sendMessage("hi", { signal: controller.signal }).catch((e: unknown) => e);
  await sleep(10);
  controller.abort();
  expect(await turn).toBeInstanceOf(ProviderError);
  // The input is kept unanswered, and what the late reply was billed is counted.
  const stored = await session.getMessages();
  expect(stored.map((m) => [m.role, m.metadata.unanswered])).toEqual([["user", true]]);
  expect((await session.getMetrics()).inputTokens).toBe(USAGE.inputTokens);
  await manager.close();
});
