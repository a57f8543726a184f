/**
 * A turn of a provider that keeps history client-side holds the session's lease. If another
 * process deletes the session while the turn runs and makes one under the same id (a "reset
 * this chat"), the turn used to fail on SQLite with ConcurrencyError "lease was taken over by
 * another process while it ran (paused longer than turnLeaseMs?)", and `appendHeld` even retook
 * the new session's lease to store the unanswered input in it: the append checked the lease
 * before the session's identity. It is SessionNotFoundError, as on memory and Postgres.
 *
 * (Adapted from the reviewer's test: there one manager deleted the session; a delete now waits
 * for that manager's turn in flight, so the delete comes from another manager on the same
 * database, as another process would.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  createSessionManager,
  postgresStorage,
  SessionNotFoundError,
  sqliteStorage,
  type SessionStorage,
} from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { freshDatabase } from "../helpers/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "lss-lease-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two storage objects on one database: two processes, in effect. */
const backends: Record<string, () => Promise<() => SessionStorage>> = {
  sqlite: async () => {
    const dbPath = join(dir, `${Date.now()}.db`);
    return () => sqliteStorage({ dbPath });
  },
  postgres: async () => {
    const connectionString = await freshDatabase(inject("postgresUrl"));
    return () => postgresStorage({ connectionString });
  },
};

for (const [name, backend] of Object.entries(backends)) {
  describe(name, () => {
    it("a turn on a session deleted (and its id re-used) meanwhile fails with SessionNotFoundError", async () => {
      const open = await backend();
      const mock = new MockProvider({ latencyMs: 150, historyAware: true });
      const m = createSessionManager({ storage: open(), providers: { mock: { adapter: mock } } });
      const other = createSessionManager({ storage: open() });
      try {
        const old = await m.createSession("u", "mock", "m", {
          sessionConfig: { sessionId: "chat" },
        });
        const turn = old.sendMessage("hi");
        turn.catch(() => undefined);
        await sleep(50); // the turn holds the lease and waits for the provider
        await other.deleteSession("chat");
        await other.createSession("u", "mock", "m", { sessionConfig: { sessionId: "chat" } });
        const error = await turn.then(
          () => null,
          (e: unknown) => e,
        );
        expect(String(error)).not.toMatch(/taken over by another process/);
        expect(error).toBeInstanceOf(SessionNotFoundError);
        // Nothing of the old turn went into the new session, nor did it take its lease.
        const fresh = await other.getSession("chat");
        expect(await fresh.getMessages()).toEqual([]);
        await fresh.sendMessage("the new chat works");
      } finally {
        await m.close();
        await other.close();
      }
    });
  });
}
