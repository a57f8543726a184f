/**
 * A turn aborted while its first outgoing middleware is slow is abandoned, but applyMiddleware
 * goes on with the next middleware once the first answers: that later frame registers itself as
 * the holder of the session's turn (overwriting the frame of the turn that really holds it now)
 * and, on ending, deletes the entry. The real holder's middleware is then no longer recognised:
 * its call back into its own session waits for its own turn, for good, instead of the documented
 * ConcurrencyError.
 */
import { describe, expect, it } from "vitest";
import {
  ConcurrencyError,
  createSessionManager,
  type Session,
  type SessionMessage,
} from "../../src/index.js";
import { LOCAL_STORAGES, onStorage, within } from "../helpers/turns.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a middleware chain left behind by an abort", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: control: without the aborted turn, the self-call is refused`, async () => {
      const ref: { s?: Session } = {};
      const outgoing = async (message: SessionMessage) => {
        await sleep(120);
        await ref.s!.sendSystemMessage("note");
        return message;
      };
      const m = createSessionManager({
        ...onStorage(storage),
        middleware: [{ outgoing }, { outgoing: (x: SessionMessage) => x }],
      });
      const s = (ref.s = await m.createSession("u", "mock", "m"));
      const second = s.sendMessage("second").then(
        () => null,
        (e: unknown) => e,
      );
      expect(await within(second, 2000)).toBe("settled");
      expect(await second).toBeInstanceOf(ConcurrencyError);
    });

    it(`${storage}: the next turn's self-call is still refused, not hung`, async () => {
      const ref: { s?: Session } = {};
      const laterRan: string[] = [];
      const moderation = {
        outgoing: async (message: SessionMessage) => {
          if (message.content === "first") await sleep(60); // slow; the turn is aborted at 20 ms
          if (message.content === "second") {
            await sleep(120); // the abandoned chain's next middleware has run and ended by now
            await ref.s!.sendSystemMessage("note"); // a self-call: must be refused at once
          }
          return message;
        },
      };
      const redaction = {
        outgoing: (message: SessionMessage) => {
          laterRan.push(message.content);
          return message;
        },
      };
      const m = createSessionManager({
        ...onStorage(storage),
        middleware: [moderation, redaction],
      });
      const s = (ref.s = await m.createSession("u", "mock", "m"));
      const first = s.sendMessage("first", { signal: AbortSignal.timeout(20) }).catch((e) => e);
      await sleep(30);
      const second = s.sendMessage("second").then(
        () => null,
        (e: unknown) => e,
      );
      expect(await within(second, 2000)).toBe("settled"); // today: "hang"
      expect(await second).toBeInstanceOf(ConcurrencyError);
      await first;
    });

    it(`${storage}: later middleware of an aborted turn does not run`, async () => {
      const laterRan: string[] = [];
      const moderation = {
        outgoing: async (message: SessionMessage) => {
          await sleep(60);
          return message;
        },
      };
      const redaction = {
        outgoing: (message: SessionMessage) => {
          laterRan.push(message.content); // e.g. a paid PII-scan call
          return message;
        },
      };
      const m = createSessionManager({
        ...onStorage(storage),
        middleware: [moderation, redaction],
      });
      const s = await m.createSession("u", "mock", "m");
      const turn = await s.sendMessage("aborted", { signal: AbortSignal.timeout(20) }).then(
        () => "resolved",
        (e: Error) => e.name,
      );
      expect(turn).toBe("ProviderError");
      await sleep(100);
      expect(laterRan).toEqual([]); // today: ["aborted"]: the chain went on after the turn ended
      await m.close();
    });
  }
});
