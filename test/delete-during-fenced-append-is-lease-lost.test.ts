/**
 * Postgres: the fenced append (a leased turn's write) waits for the session row lock, and when
 * the transaction holding it was a DELETE of the session (another instance's deleteSession or
 * cleanup, or this manager's own deleteSession, which no longer waits for turns in flight),
 * the append's `present` check reads the snapshot taken *before* the wait: the session still
 * "exists", so the turn is reported as a lost lease ("paused longer than turnLeaseMs?") instead
 * of SessionNotFoundError. The comment in cleanUpIfInactive names exactly this snapshot problem.
 */
import pg from "pg";
import { expect, inject, it } from "vitest";
import { createSessionManager, postgresStorage, SessionNotFoundError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { freshDatabase, withPg } from "./helpers/postgres.js";
import { makeMessage, makeRecord } from "./storage/fixtures.js";

const url = await freshDatabase(inject("postgresUrl"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("storage: a fenced append waiting on a delete's row lock reports not found, not a lost lease", async () => {
  const schema = `fencedel_${Date.now().toString(36)}`;
  const storage = postgresStorage({ connectionString: url, schema });
  const other = new pg.Client({ connectionString: url }); // another instance deleting
  await other.connect();
  try {
    const r = makeRecord();
    await storage.createSession(r);
    expect(await storage.acquireTurnLease(r.sessionId, "me", 30_000)).toBe(true);
    await other.query("BEGIN");
    await other.query(`DELETE FROM "${schema}".sessions WHERE session_id = $1`, [r.sessionId]);
    const append = storage
      .appendMessages(r.sessionId, [makeMessage(r.sessionId)], {
        usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 },
        costUsd: 0,
        at: new Date(),
        known: r,
        leaseHolder: "me",
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    await sleep(300); // the append waits for the delete's row lock
    await other.query("COMMIT");
    const error = await append;
    expect(String(error)).not.toMatch(/taken over by another process/);
    expect(error).toBeInstanceOf(SessionNotFoundError);
  } finally {
    await other.end();
    await storage.close();
  }
});

it("one process: deleteSession of a session while that manager's own turn is being stored", async () => {
  // No other process: the manager's own delete (which no longer waits for turns in flight) holds
  // the session row while its cascade waits, and the turn's reply write waits on that row lock.
  // (The reviewer's version made the cascade slow with 300,000 messages; a message row locked by
  // another connection holds it up as long, in a fraction of the time.)
  const manager = createSessionManager({
    storage: "postgres",
    storageConfig: { connectionString: url },
    providers: {
      native: {
        adapter: {
          name: "native",
          historyMode: () => "native",
          createProviderSession: async () => "conv_1",
          deleteProviderSession: async () => undefined,
          sendTurn: async () => {
            await sleep(150);
            const usage = {
              inputTokens: 1,
              outputTokens: 1,
              cachedTokens: 0,
              cacheCreationTokens: 0,
            };
            return { content: "ok", usage };
          },
          streamTurn: () => {
            throw new Error("not used");
          },
        } as never,
      },
    },
  });
  try {
    const session = await manager.createSession("u", "native", "m");
    await withPg(url, async (c) => {
      await c.query(
        `INSERT INTO messages (session_id, seq, message_id, role, content, created_at)
         VALUES ($1, 1, 'm1', 'system', 'x', now())`,
        [session.sessionId],
      );
      await c.query("UPDATE sessions SET last_seq = 1, message_count = 1 WHERE session_id = $1", [
        session.sessionId,
      ]);
    });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM messages WHERE session_id = $1 FOR UPDATE", [
        session.sessionId,
      ]);
      const turn = session.sendMessage("hi").then(
        () => null,
        (e: unknown) => e,
      );
      await sleep(100); // the provider is answering
      const deleting = manager.deleteSession(session.sessionId);
      await sleep(300); // the reply's write waits on the row the delete holds
      await holder.query("COMMIT");
      expect(await deleting).toBe(true);
      const error = await turn;
      expect(String(error)).not.toMatch(/taken over by another process/);
      expect(error).toBeInstanceOf(SessionNotFoundError);
    } finally {
      await holder.end();
    }
  } finally {
    await manager.close();
  }
});

it("manager: a turn whose session is deleted while its reply is being written fails with SessionNotFoundError", async () => {
  const manager = createSessionManager({
    storage: "postgres",
    storageConfig: { connectionString: url },
    providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs: 200 }) } },
  });
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    const session = await manager.createSession("u", "mock", "m");
    const turn = session.sendMessage("hi").then(
      () => null,
      (e: unknown) => e,
    );
    await sleep(50); // the turn holds the lease; the provider is answering
    // Another instance's deleteSession, its commit a moment late: the reply's write waits on it.
    await other.query("BEGIN");
    await other.query("DELETE FROM sessions WHERE session_id = $1", [session.sessionId]);
    await sleep(500);
    await other.query("COMMIT");
    const error = await turn;
    expect(String(error)).not.toMatch(/taken over by another process/);
    expect(error).toBeInstanceOf(SessionNotFoundError);
  } finally {
    await other.end();
    await manager.close();
  }
});
