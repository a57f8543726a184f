/**
 * deleteSession now runs under the session's turn lock (4ccaa5c). A delete awaited by code the
 * turn itself waits for never gets the lock: the turn waits for that code, the code waits for the
 * delete, forever (and a later close() waits for the stuck turn). Before, a delete did not queue.
 *
 * Natural cases: a moderation check in the loop reading a stream, or in outgoing middleware.
 */
import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      () => "settled",
      () => "settled",
    ),
    new Promise((r) => setTimeout(() => r("hang"), ms)),
  ]);

let manager: SessionManager | undefined;
afterEach(() => {
  manager = undefined; // a hung manager cannot be closed (close() waits for the stuck turn)
});

it("deleting the session from the loop reading its stream does not hang", async () => {
  manager = createSessionManager({
    providers: { mock: { adapter: new MockProvider({ chunkSize: 2 }) } },
  });
  const m = manager;
  const session = await m.createSession("u", "mock", "m");
  const readAndModerate = async () => {
    for await (const delta of session.streamMessage("something the moderator rejects")) {
      if (delta) await m.deleteSession(session.sessionId); // hangs: the turn waits for this reader
    }
  };
  expect(await within(readAndModerate(), 2000)).toBe("settled");
});

it("deleting the session from outgoing middleware does not hang", async () => {
  const m: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider() } },
    middleware: [
      {
        outgoing: async (message) => {
          if (message.content.includes("forbidden")) await m.deleteSession(message.sessionId);
          return message;
        },
      },
    ],
  });
  manager = m;
  const session = await m.createSession("u", "mock", "m");
  expect(await within(session.sendMessage("forbidden words"), 2000)).toBe("settled");
});
