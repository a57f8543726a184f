/**
 * Closing.noteWaiting keeps one `waitsFor` per middleware frame: a middleware waiting for two
 * sessions at once (Promise.all) has its first wait overwritten by the second, and the second's
 * acquisition clears it. A cycle through the first wait is then not seen by waitsForItself: the
 * other session's middleware calling back waits for good, instead of the ConcurrencyError the
 * README promises for "another session whose middleware is waiting for this one".
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type Session, type SessionMessage } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { LOCAL_STORAGES, onStorage, within } from "../helpers/turns.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("middleware waiting for two sessions at once, one of which waits for it", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: control: waiting for one session, the cycle is refused`, async () => {
      const ref: { a?: Session; b?: Session; c?: Session } = {};
      const outgoing = async (message: SessionMessage) => {
        if (message.content === "to a") {
          await sleep(10);
          await ref.b!.sendSystemMessage("from a");
        }
        if (message.content === "to b") {
          await sleep(40);
          await ref.a!.sendSystemMessage("from b");
        }
        return message;
      };
      const m = createSessionManager({ ...onStorage(storage), middleware: [{ outgoing }] });
      ref.a = await m.createSession("u", "mock", "m");
      ref.b = await m.createSession("u", "mock", "m");
      const both = Promise.allSettled([ref.b.sendMessage("to b"), ref.a.sendMessage("to a")]);
      expect(await within(both, 2000)).toBe("settled");
    });

    it(`${storage}: with a second wait alongside, the cycle is refused, not hung`, async () => {
      const ref: { a?: Session; b?: Session; c?: Session } = {};
      const outgoing = async (message: SessionMessage) => {
        if (message.content === "to a") {
          await sleep(10);
          // Notes to two sessions at once: B (whose middleware waits for A) and C (busy).
          await Promise.all([ref.b!.sendSystemMessage("from a"), ref.c!.sendSystemMessage("x")]);
        }
        if (message.content === "to b") {
          await sleep(40);
          await ref.a!.sendSystemMessage("from b");
        }
        return message;
      };
      const m = createSessionManager({
        ...onStorage(storage),
        providers: { mock: null, slow: { adapter: new MockProvider({ latencyMs: 20 }) } },
        middleware: [{ outgoing }],
      });
      ref.a = await m.createSession("u", "mock", "m");
      ref.b = await m.createSession("u", "mock", "m");
      ref.c = await m.createSession("u", "slow", "m");
      const busy = ref.c.sendMessage("busy"); // C's turn is held for 20 ms
      const both = Promise.allSettled([ref.b.sendMessage("to b"), ref.a.sendMessage("to a")]);
      expect(await within(both, 2000)).toBe("settled"); // today: "hang"
      await busy;
    });
  }
});
