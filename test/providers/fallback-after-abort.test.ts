/**
 * c7883d5: "sendMessage aborted while an adapter ignores the signal ends as aborted" — the check
 * is made once the reply is back (turn.ts acceptReply). A fallback chain does not look at the
 * signal between attempts (fallback.ts sendWithFallback): a primary that ignores the signal and
 * then fails retryably hands the already-aborted turn to the fallback, which is asked (and bills)
 * although the caller stopped the turn before it; its reply is then thrown away as aborted.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import { userStorage } from "../helpers/user-storage.js";
import { ownAdapter, USAGE } from "../helpers/own-adapter.js";

it("a fallback chain does not ask the next provider once the turn was aborted", async () => {
  let backupAsked = 0;
  const primary = ownAdapter({
    name: "primary",
    sendTurn: async () => {
      await sleep(50); // does not watch the signal
      throw new ProviderError("primary", "overloaded", { status: 529, retryable: true });
    },
  });
  const backup = ownAdapter({
    name: "backup",
    sendTurn: async () => {
      backupAsked++;
      return { content: "from backup", usage: USAGE, finishReason: "stop" };
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { primary: { adapter: primary, fallback: ["backup"] }, backup: { adapter: backup } },
  });
  try {
    const session = await manager.createSession("u", "primary", "m");
    const controller = new AbortController();
    const turn = session.sendMessage("hi", { signal: controller.signal }).catch((e: unknown) => e);
    await sleep(10);
    controller.abort();
    expect(await turn).toBeInstanceOf(ProviderError);
    expect(backupAsked).toBe(0);
  } finally {
    await manager.close();
  }
});
