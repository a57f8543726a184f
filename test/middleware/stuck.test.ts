/**
 * A middleware that never answers (a moderation call without a timeout) holds the session's turn:
 * the caller's abort, and close() for a stream, must still end the turn, with nothing stored.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, type SessionMessage } from "../../src/index.js";
import { LOCAL_STORAGES, onStorage, within } from "../helpers/turns.js";

/** A manager; not closed after each test: a hung one (the bug) would hang the file. */
const manager = createSessionManager;
const stuck = { outgoing: () => new Promise<SessionMessage>(() => undefined) };
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (e: unknown) => (e instanceof ProviderError ? "ProviderError" : String(e)),
  );

describe("a turn stuck in outgoing middleware", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: sendMessage ends when its signal aborts; the next turn runs`, async () => {
      const m = manager({ ...onStorage(storage), middleware: [stuck] });
      const session = await m.createSession("u", "mock", "m");
      const controller = new AbortController();
      const turn = session.sendMessage("hi", { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      expect(await within(turn, 2000)).toBe("settled");
      expect(await outcome(turn)).toBe("ProviderError");
      expect(await session.getMessages()).toEqual([]);
      const next = session.sendMessage("again", { signal: AbortSignal.timeout(50) });
      expect(await outcome(next)).toBe("ProviderError"); // stuck too, but it got the turn
      expect(await within(m.close(), 2000)).toBe("settled");
    });

    it(`${storage}: a stream ends when its signal aborts`, async () => {
      const m = manager({ ...onStorage(storage), middleware: [stuck] });
      const session = await m.createSession("u", "mock", "m");
      const controller = new AbortController();
      const stream = session.streamMessage("hi", { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      expect(await within(stream.reply, 2000)).toBe("settled");
      expect(await outcome(stream.reply)).toBe("ProviderError");
      expect(await session.getMessages()).toEqual([]);
      expect(await within(m.close(), 2000)).toBe("settled");
    });

    it(`${storage}: close() ends a stream in progress`, async () => {
      const m = manager({ ...onStorage(storage), middleware: [stuck] });
      const session = await m.createSession("u", "mock", "m");
      const stream = session.streamMessage("hi");
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await within(m.close(), 2000)).toBe("settled");
      expect(await outcome(stream.reply)).toBe("ProviderError");
    });
  }
});
