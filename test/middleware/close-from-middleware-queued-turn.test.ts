/**
 * close() awaited in middleware leaves out its own call (the middleware's frame), but not a call
 * queued behind that call's turn on the same session: that call waits for the turn, the turn
 * waits for the middleware, the middleware waits for close(), and close() waits for the queued
 * call. Nothing settles, ever.
 */
import { describe, expect, it } from "vitest";
import {
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionMessage,
} from "../../src/index.js";
import { LOCAL_STORAGES, onStorage, within } from "../helpers/turns.js";

describe("close() awaited in middleware while another turn on the session is queued", () => {
  for (const storage of LOCAL_STORAGES) {
    for (const kind of ["sendMessage", "streamMessage"] as const) {
      it(`${storage}, queued ${kind}: settles instead of hanging`, async () => {
        const own: { m?: SessionManager } = {};
        const outgoing = async (message: SessionMessage) => {
          if (message.content !== "last one") return message;
          await new Promise((r) => setTimeout(r, 20)); // a moderation call: the next turn queues meanwhile
          await own.m!.close();
          return message;
        };
        const m = (own.m = createSessionManager({
          ...onStorage(storage),
          middleware: [{ outgoing }],
        }));
        const s: Session = await m.createSession("u", "mock", "m");
        const first = s.sendMessage("last one");
        const queued =
          kind === "sendMessage" ? s.sendMessage("queued") : s.streamMessage("queued").reply;
        const all = Promise.allSettled([first, queued]);
        expect(await within(all, 2000)).toBe("settled"); // today: "hang"
      });
    }
  }
});
