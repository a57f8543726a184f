/**
 * close() from a hook leaves out the calls whose hooks it runs within (they may await it). An
 * ancestor hook that only started the turn (`void b.sendMessage()`) goes on after close()
 * resolved: the storage was closed under it. Now the providers and the storage close once that
 * call has ended too; like any call after close(), a new write from it is refused.
 */
import { describe, expect, it } from "vitest";
import { StorageError, type Session, type SessionManager } from "../../src/index.js";
import { managersClosedAfterEach } from "../helpers/managers.js";
import { LOCAL_STORAGES, onStorage } from "../helpers/turns.js";

const manager = managersClosedAfterEach();
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe("close() from a hook whose ancestor hook did not await it", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: the storage stays open until the ancestor's call has ended`, async () => {
      const order: string[] = [];
      const ref: { a?: Session; b?: Session; read?: number } = {};
      const own: { m?: SessionManager } = {};
      const onReplyReceived = async (reply: { content: string }) => {
        if (reply.content === "Echo: first") {
          void ref.b!.sendMessage("second"); // started, not awaited
          await new Promise((resolve) => setTimeout(resolve, 100)); // a webhook, say
          ref.read = (await ref.a!.getMessages()).length; // failed: the storage was closed
          order.push("a's hook done");
        } else if (reply.content === "Echo: second") {
          await own.m!.close();
          order.push("closed");
        }
      };
      const m = (own.m = manager({ ...onStorage(storage), hooks: { onReplyReceived } }));
      ref.a = await m.createSession("u", "mock", "m");
      ref.b = await m.createSession("u", "mock", "m");
      await ref.a.sendMessage("first");
      expect(order).toEqual(["closed", "a's hook done"]);
      expect(ref.read).toBe(2);
      await m.close(); // from outside: once everything has ended
      expect(await failure(ref.a.getMessages())).toBeInstanceOf(StorageError);
    });
  }
});
