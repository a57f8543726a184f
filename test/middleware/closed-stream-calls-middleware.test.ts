/**
 * 8078d8d: "a middleware left behind by an abort no longer keeps the AsyncLocalStorage on".
 * It does still when the abort comes before the middleware starts: Closing.hook listens for the
 * signal's "abort" event, which an already-aborted signal never fires, so a frame entered with an
 * aborted signal ends only when the middleware returns. applyMiddleware enters one with an
 * aborted signal (a) for the next middleware of a turn aborted in an earlier one (see
 * aborted-chain-leaves-als-enabled.test.ts), (b) here: for a stream queued when close() came, which
 * then gets its turn with its controller aborted, and still calls the outgoing middleware: a middleware that never
 * answers then keeps the AsyncLocalStorage enabled for the life of the process.
 */
import { describe, expect, it } from "vitest";
import { enabledStorages } from "../helpers/turns.js";
import { createSessionManager, type SessionMessage } from "../../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const never = () => new Promise<SessionMessage>(() => undefined);

describe("a stream that gets its turn after close()", () => {
  it("a stream queued behind a turn when close() came", async () => {
    const baseline = await enabledStorages();
    const outgoing = async (x: SessionMessage) => {
      if (x.content === "queued") return never(); // never answers; called although the stream was closed
      await sleep(40);
      return x;
    };
    const m = createSessionManager({ middleware: [{ outgoing }] });
    const s = await m.createSession("u", "mock", "m");
    const first = s.sendMessage("first");
    const queued = s.streamMessage("queued");
    await sleep(10);
    await m.close();
    await first;
    expect(
      await queued.reply.then(
        () => "resolved",
        (e: Error) => e.name,
      ),
    ).toBe("ProviderError");
    expect(await enabledStorages()).toBe(baseline); // today: baseline + 1, for good
  });
});
