/**
 * 8078d8d: "a middleware left behind by an abort no longer keeps the AsyncLocalStorage on".
 * It does still when the abort comes before the middleware starts: Closing.hook listens for the
 * signal's "abort" event, which an already-aborted signal never fires, so a frame entered with an
 * aborted signal ends only when the middleware returns. applyMiddleware enters one with an
 * aborted signal (a) for the next middleware of a turn aborted in an earlier one, (b) for a stream
 * that gets its turn after close() (its controller is aborted at once): a middleware that never
 * answers then keeps the AsyncLocalStorage enabled for the life of the process.
 */
import { describe, expect, it } from "vitest";
import { enabledStorages } from "../helpers/turns.js";
import { createSessionManager, type SessionMessage } from "../../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const never = () => new Promise<SessionMessage>(() => undefined);

describe("a stuck middleware entered after its turn was aborted", () => {
  it("the next middleware of a turn aborted in a slow one", async () => {
    const baseline = await enabledStorages();
    const slow = {
      outgoing: async (x: SessionMessage) => {
        await sleep(60);
        return x;
      },
    };
    const m = createSessionManager({ middleware: [slow, { outgoing: never }] });
    const s = await m.createSession("u", "mock", "m");
    const turn = await s.sendMessage("hi", { signal: AbortSignal.timeout(20) }).then(
      () => "resolved",
      (e: Error) => e.name,
    );
    expect(turn).toBe("ProviderError");
    await sleep(100); // the slow middleware has answered
    await m.close();
    expect(await enabledStorages()).toBe(baseline); // today: baseline + 1, for good
  });
});
