/**
 * Middleware runs in a `Closing.hook` frame: the AsyncLocalStorage is enabled while any frame
 * runs and disabled once `hooksRunning` is back at 0, since an enabled one slows every promise of
 * the process. Aborting a turn now ends the wait for an outgoing middleware that does not answer
 * (a moderation call without a timeout), and the application goes on; but that middleware's
 * frame never ends, so the storage stays enabled for the life of the process.
 */
import { describe, expect, it } from "vitest";
import { enabledStorages } from "../helpers/turns.js";
import { createSessionManager, ProviderError, type SessionMessage } from "../../src/index.js";

describe("an aborted turn whose outgoing middleware never answers", () => {
  it("control: a middleware that answers leaves no AsyncLocalStorage enabled", async () => {
    const baseline = await enabledStorages();
    const m = createSessionManager({ middleware: [{ outgoing: async (x: SessionMessage) => x }] });
    const s = await m.createSession("u", "mock", "m");
    await s.sendMessage("hi");
    await m.close();
    expect(await enabledStorages()).toBe(baseline);
  });

  it("the turn ends on abort, and the AsyncLocalStorage is not left enabled", async () => {
    const baseline = await enabledStorages();
    const stuck = { outgoing: () => new Promise<SessionMessage>(() => undefined) };
    const m = createSessionManager({ middleware: [stuck] });
    const s = await m.createSession("u", "mock", "m");
    await expect(s.sendMessage("hi", { signal: AbortSignal.timeout(20) })).rejects.toBeInstanceOf(
      ProviderError,
    );
    await m.close();
    // Every later promise and timer of the process now pays for the propagation.
    expect(await enabledStorages()).toBe(baseline); // today: baseline + 1, for good
  });
});
