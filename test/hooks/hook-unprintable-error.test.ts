/**
 * A hook that throws is reported as a LANGSWARM_HOOK_FAILED warning and never fails the call
 * (what it announces is stored: a caller retrying would store it twice), whatever it throws,
 * even a value JavaScript cannot print.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";

const unprintable: Array<[string, () => unknown]> = [
  ["an object without a prototype", () => Object.create(null)],
  [
    "an object whose toString throws",
    () => ({
      toString: () => {
        throw new Error("no text");
      },
    }),
  ],
  ["an Error whose message is not a string", () => Object.assign(new Error("x"), { message: 42 })],
];

const warnings: string[] = [];
const onWarning = (w: Error & { code?: string }) => void warnings.push(String(w.code));
process.on("warning", onWarning);
afterEach(() => void (warnings.length = 0));

describe("a hook that throws an unprintable value does not fail the call", () => {
  for (const [label, make] of unprintable) {
    it(`sendMessage, onReplyReceived throwing ${label}`, async () => {
      const manager = createSessionManager({
        hooks: {
          onReplyReceived: () => {
            throw make();
          },
        },
      });
      const session = await manager.createSession("u", "mock", "m");
      const outcome = await session.sendMessage("hi").then(
        (reply) => `resolved: ${reply.content}`,
        (error: Error) => `rejected: ${error.message}`,
      );
      // The turn is stored either way …
      expect((await session.getMessages()).map((m) => m.content)).toEqual(["hi", "Echo: hi"]);
      // … and the call must succeed, the failure being a warning.
      expect(outcome).toBe("resolved: Echo: hi");
      await manager.close();
    });

    it(`createSession, onSessionCreated rejecting with ${label}`, async () => {
      const manager = createSessionManager({
        hooks: { onSessionCreated: async () => Promise.reject(make()) },
      });
      const outcome = await manager.createSession("u", "mock", "m").then(
        () => "resolved",
        (error: Error) => `rejected: ${error.message}`,
      );
      const stored = await manager.getUserSessions("u");
      expect(stored.length).toBe(1); // stored all the same
      expect(outcome).toBe("resolved");
      await manager.close();
    });
  }
});
