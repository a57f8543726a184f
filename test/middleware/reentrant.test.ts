/**
 * Middleware runs inside its session's turn. A call from it that waits for that turn would wait
 * for itself: it is refused at once; close() from it leaves its own call out; and a call from
 * the loop reading a stream lets the stream run to its end instead of waiting for the reader.
 */
import { describe, expect, it } from "vitest";
import {
  ConcurrencyError,
  createSessionManager,
  StorageError,
  type Session,
  type SessionManager,
  type SessionMessage,
} from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { LOCAL_STORAGES, onStorage, within } from "../helpers/turns.js";

/** A manager; not closed after each test: a hung one (the bug) would hang the file. */
const manager = createSessionManager;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe("middleware calling back into its own session", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: outgoing middleware adding a system message is refused, not hung`, async () => {
      const ref: { s?: Session } = {};
      const outgoing = async (message: SessionMessage) => {
        await ref.s!.sendSystemMessage("No diagnoses.");
        return message;
      };
      const m = manager({ ...onStorage(storage), middleware: [{ outgoing }] });
      const session = (ref.s = await m.createSession("u", "mock", "m"));
      const turn = failure(session.sendMessage("a medical question"));
      expect(await within(turn, 2000)).toBe("settled");
      expect(await turn).toBeInstanceOf(ConcurrencyError);
      expect(await session.getMessages()).toEqual([]);
      // Another session's call from middleware is not refused.
      const other = await m.createSession("u", "mock", "m");
      ref.s = other;
      expect((await session.sendMessage("fine")).content).toBe("Echo: fine");
      expect((await other.getMessages()).map((x) => x.role)).toEqual(["system"]);
      expect(await within(m.close(), 2000)).toBe("settled");
    });

    it(`${storage}: incoming middleware clearing the transcript is refused; input kept`, async () => {
      const ref: { s?: Session } = {};
      const incoming = async (message: SessionMessage) => {
        await ref.s!.clearMessages();
        return message;
      };
      const m = manager({ ...onStorage(storage), middleware: [{ incoming }] });
      const session = (ref.s = await m.createSession("u", "mock", "m"));
      const turn = failure(session.sendMessage("hi"));
      expect(await within(turn, 2000)).toBe("settled");
      expect(await turn).toBeInstanceOf(ConcurrencyError);
      const stored = await session.getMessages();
      expect(stored.map((x) => [x.content, x.metadata.unanswered])).toEqual([["hi", true]]);
      expect(await within(m.close(), 2000)).toBe("settled");
    });
  }

  it("close() awaited in outgoing middleware: the turn is stored, then the storage closes", async () => {
    const own: { m?: SessionManager } = {};
    const outgoing = async (message: SessionMessage) => {
      await own.m!.close();
      return message;
    };
    const m = (own.m = manager({ middleware: [{ outgoing }] }));
    const session = await m.createSession("u", "mock", "m");
    const turn = session.sendMessage("shut down after this");
    expect(await within(turn, 2000)).toBe("settled");
    expect((await turn).content).toBe("Echo: shut down after this");
    await m.close();
    expect(await failure(session.getMessages())).toBeInstanceOf(StorageError);
  });

  it("a system message from the loop reading a stream: the stream runs ahead to its end", async () => {
    const m = manager({ providers: { mock: { adapter: new MockProvider({ chunkSize: 2 }) } } });
    const session = await m.createSession("u", "mock", "m");
    const stream = session.streamMessage("tell me a long story");
    let read = "";
    const loop = (async () => {
      for await (const delta of stream) {
        if (!read) await session.sendSystemMessage("Keep it short.");
        read += delta;
      }
    })();
    expect(await within(loop, 2000)).toBe("settled");
    await loop;
    expect(read).toBe("Echo: tell me a long story");
    expect((await session.getMessages()).map((x) => [x.role, x.content])).toEqual([
      ["user", "tell me a long story"],
      ["assistant", "Echo: tell me a long story"],
      ["system", "Keep it short."],
    ]);
    expect(await within(m.close(), 2000)).toBe("settled");
  });
});
