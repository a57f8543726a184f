/**
 * Postgres: a transaction whose connection dies *before* COMMIT is sent (a failover or
 * pg_terminate_backend while the transaction sits between its statements) rolled back for
 * certain. docs/postgres.md: such a transaction "is retried once on a fresh connection".
 * Instead `transaction()` sends COMMIT on the dead client, pg refuses at once ("Client has
 * encountered a connection error and is not queryable": nothing was sent), and the call fails
 * with "the connection was lost after COMMIT was sent, so whether the change was stored is
 * unknown" — untrue, and not retried. Seen for deleteSession, updateSession (archive,
 * updateContext) and cleanup (one failure per session hit).
 */
import pg from "pg";
import { expect, inject, it } from "vitest";
import { postgresStorage } from "../../src/index.js";
import { freshDatabase } from "../helpers/postgres.js";
import { makeRecord } from "./fixtures.js";

const url = await freshDatabase(inject("postgresUrl"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pool whose connection is terminated by the server right before the next COMMIT is sent. */
function killBeforeCommit(admin: pg.Client) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const armed = { on: false };
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = async (...args: unknown[]) => {
      if (armed.on && args[0] === "COMMIT") {
        armed.on = false;
        const pid = (client as unknown as { processID: number }).processID;
        await admin.query("SELECT pg_terminate_backend($1)", [pid]); // rolls the transaction back
        await sleep(50); // the client has seen its connection end
      }
      return query(...args);
    };
  });
  return { pool, armed };
}

for (const op of ["deleteSession", "updateSession"] as const) {
  it(`${op}: a connection killed before COMMIT was sent is retried, not reported as an unknown outcome`, async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const { pool, armed } = killBeforeCommit(admin);
    const storage = postgresStorage({
      pool,
      schema: `dead_${op.toLowerCase()}_${Date.now().toString(36)}`,
    });
    try {
      const r = makeRecord();
      await storage.createSession(r);
      armed.on = true;
      const outcome =
        op === "deleteSession"
          ? storage.deleteSession(r.sessionId)
          : storage.updateSession(r.sessionId, { status: "archived" });
      const result = await outcome.then(
        (v) => v,
        (e: Error) => e,
      );
      expect(armed.on).toBe(false); // the connection was killed
      expect(String(result)).not.toMatch(/after COMMIT was sent/);
      if (op === "deleteSession") {
        expect(result).toBe(true);
        expect(await storage.getSession(r.sessionId)).toBeNull();
      } else {
        expect(result).toMatchObject({ status: "archived" });
        expect((await storage.getSession(r.sessionId))!.status).toBe("archived");
      }
    } finally {
      await storage.close();
      await pool.end();
      await admin.end();
    }
  });
}
