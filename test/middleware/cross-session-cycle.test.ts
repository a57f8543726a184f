/**
 * Middleware of session A calls session B while middleware of session B calls session A, the two
 * turns running at once (two users' messages arriving together). A's call waits for B's turn, held
 * by B's middleware, which waits for A's turn, held by A's middleware: runsInside only looks at the
 * caller's own frames, so neither call is refused and both turns hang for good (and close() with
 * them). The nested form (B's turn made from A's middleware) is refused; this one is the same
 * wait-for cycle, formed by two calls.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type Session, type SessionMessage } from "../../src/index.js";
import { LOCAL_STORAGES, onStorage, within } from "../helpers/turns.js";

describe("middleware of two sessions calling each other, concurrently", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: the cycle is refused, not hung`, async () => {
      const ref: { a?: Session; b?: Session } = {};
      const outgoing = async (message: SessionMessage) => {
        await new Promise((r) => setTimeout(r, 10)); // a lookup: both turns are in middleware now
        if (message.content === "to a") await ref.b!.sendSystemMessage("note from a");
        if (message.content === "to b") await ref.a!.sendSystemMessage("note from b");
        return message;
      };
      const m = createSessionManager({ ...onStorage(storage), middleware: [{ outgoing }] });
      ref.a = await m.createSession("u", "mock", "m");
      ref.b = await m.createSession("u", "mock", "m");
      const both = Promise.allSettled([ref.a.sendMessage("to a"), ref.b.sendMessage("to b")]);
      expect(await within(both, 2000)).toBe("settled"); // today: "hang"
    });
  }
});
