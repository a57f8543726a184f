import { describe, expect, it } from "vitest";
import { SessionError } from "../../src/index.js";
import { managersClosedAfterEach } from "../helpers/managers.js";
import { LOCAL_STORAGES, onStorage } from "../helpers/turns.js";

const manager = managersClosedAfterEach();
const settled = (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (e: unknown) => e,
  );

describe("middleware that throws a value that is not an Error", () => {
  for (const storage of LOCAL_STORAGES) {
    for (const value of [null, undefined, "no"]) {
      it(`${storage}, incoming throws ${String(value)}: a SessionError, the input kept`, async () => {
        const incoming = () => {
          throw value;
        };
        const m = manager({ ...onStorage(storage), middleware: [{ incoming }] });
        const session = await m.createSession("u", "mock", "m");
        const sent = await settled(session.sendMessage("hi"));
        const streamed = await settled(session.streamMessage("hi").reply);
        for (const e of [sent, streamed]) {
          expect(e).toBeInstanceOf(SessionError);
          expect((e as SessionError).cause).toBe(value);
        }
        const stored = await session.getMessages();
        expect(stored.map((x) => x.metadata.unanswered)).toEqual([true, true]);
      });

      it(`${storage}, outgoing throws ${String(value)}: a SessionError, nothing stored`, async () => {
        const outgoing = () => {
          throw value;
        };
        const m = manager({ ...onStorage(storage), middleware: [{ outgoing }] });
        const session = await m.createSession("u", "mock", "m");
        expect(await settled(session.sendMessage("hi"))).toBeInstanceOf(SessionError);
        expect(await settled(session.streamMessage("hi").reply)).toBeInstanceOf(SessionError);
        expect(await session.getMessages()).toEqual([]);
        expect((await session.getMetrics()).totalMessages).toBe(0);
      });
    }
  }
});
