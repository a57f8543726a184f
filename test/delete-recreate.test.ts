/**
 * A session id can be taken again after a delete (`sessionConfig.sessionId`: the "reset this chat"
 * pattern). A turn asked for on the deleted session, or a `Session` object of it, must never write
 * into the new one. The fence is `KnownSession` = (userId, createdAt in ms): a delete + re-create
 * within one millisecond (routine on memory and SQLite) used to be the same session to it, so a
 * turn queued on the old session, or its `clearMessages`, acted on the new one.
 *
 * Now `deleteSession` waits out the millisecond the session was made in, so a session made anew
 * under its id by this process is never the same to the fence: a turn in flight on the deleted
 * session, and turns asked for after, fail with `SessionNotFoundError`. (Adapted from the
 * reviewer's test, which looked for a re-create in the same millisecond: that can no longer
 * happen through the manager.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createSessionManager,
  memoryStorage,
  SessionNotFoundError,
  sqliteStorage,
  type Session,
  type SessionManager,
} from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "lss-recreate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const backends = {
  memory: () => memoryStorage(),
  sqlite: () => sqliteStorage({ dbPath: join(dir, `${n++}.db`) }),
};

const open = (
  storage: () => ReturnType<typeof memoryStorage | typeof sqliteStorage>,
  latencyMs = 0,
) =>
  createSessionManager({
    storage: storage(),
    providers: { mock: { adapter: new MockProvider({ latencyMs }) } },
  });

const make = (m: SessionManager, id: string) =>
  m.createSession("u", "mock", "m", { sessionConfig: { sessionId: id } });

for (const [name, storage] of Object.entries(backends)) {
  describe(`${name}: delete + re-create under the same id`, () => {
    it("a turn in flight and one asked for after fail as not found; the new session is empty", async () => {
      const m = open(storage, 30);
      const old = await make(m, "chat");
      const inFlight = old.sendMessage("before the delete");
      inFlight.catch(() => undefined);
      const deleting = m.deleteSession("chat");
      const late = old.sendMessage("after the delete");
      late.catch(() => undefined);
      expect(await deleting).toBe(true);
      const fresh = await make(m, "chat");
      await expect(inFlight).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(late).rejects.toBeInstanceOf(SessionNotFoundError);
      expect(await fresh.getMessages()).toEqual([]);
      expect((await fresh.getMetrics()).totalMessages).toBe(0);
      await m.close();
    });

    it("a session made anew at once is never taken for the deleted one", async () => {
      const m = open(storage);
      const pairs: Array<[Session, Session]> = [];
      for (let i = 0; i < 50; i++) {
        const old = await make(m, `chat-${i}`);
        await m.deleteSession(old.sessionId);
        pairs.push([old, await make(m, old.sessionId)]);
      }
      for (const [old, fresh] of pairs) {
        expect(fresh.createdAt.getTime()).toBeGreaterThan(old.createdAt.getTime());
      }
      const [old, fresh] = pairs[0]!;
      await fresh.sendMessage("hello in the new chat");
      await expect(old.clearMessages()).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(old.sendMessage("stale")).rejects.toBeInstanceOf(SessionNotFoundError);
      expect((await fresh.getMessages()).length).toBe(2);
      await m.close();
    });
  });
}
