/**
 * Postgres: cleanup's conditional DELETE checks "no unexpired turn lease" with the statement's
 * snapshot, then waits for the row lock that a lease being granted holds (FOR KEY SHARE). Once
 * the grant commits, the DELETE goes ahead without looking again: the session (and the lease
 * just granted with it, by cascade) is deleted under a turn that holds its lease.
 */
import pg from "pg";
import { expect, inject, it } from "vitest";
import { postgresStorage } from "../../src/storage/postgres.js";
import { postgresStatements } from "../../src/storage/postgres-statements.js";
import { freshDatabase } from "../helpers/postgres.js";
import { makeRecord } from "./fixtures.js";

const url = await freshDatabase(inject("postgresUrl"));

it("a cleanup delete racing a lease grant does not delete the session whose lease was granted", async () => {
  const schema = `leaserace_${Date.now().toString(36)}`;
  const storage = postgresStorage({ connectionString: url, schema });
  const other = new pg.Client({ connectionString: url }); // another app instance taking the lease
  await other.connect();
  try {
    const r = makeRecord({ lastActivity: new Date(Date.UTC(2020, 0, 1)) });
    await storage.createSession(r);
    const { acquireLease } = postgresStatements(schema);
    // The other instance's acquireTurnLease statement, its commit a moment late (fsync, a
    // synchronous replica...): the lease is granted once it commits.
    await other.query("BEGIN");
    const granted = await other.query(acquireLease.text, [r.sessionId, "other-instance", 30_000]);
    expect(granted.rows[0]).toMatchObject({ present: 1, taken: 1 });
    const cleanup = storage.cleanUpIfInactive(r.sessionId, "delete", {
      inactiveBefore: new Date(),
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the DELETE is waiting on the row
    await other.query("COMMIT"); // acquireTurnLease returns true: the turn goes on
    expect(await cleanup).toBeNull(); // spared: its lease is held
    expect(await storage.getSession(r.sessionId)).not.toBeNull();
    const lease = await other.query(
      `SELECT holder FROM "${schema}".turn_leases WHERE session_id = $1`,
      [r.sessionId],
    );
    expect(lease.rows).toEqual([{ holder: "other-instance" }]);
  } finally {
    await other.end();
    await storage.close();
  }
});
