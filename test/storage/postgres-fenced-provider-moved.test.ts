/**
 * A reply appended under a lease the turn still holds, on a session whose provider was moved
 * meanwhile (see stale-switch-skips-lease.test.ts for how a session gets there), is refused with
 * `ranOn`. SQLite and memory say the provider was changed (`providerMoved`); Postgres's fenced
 * statement reports `present` and postgres-append.ts throws `leaseLost`: "this turn's lease was
 * taken over by another process ... (paused longer than turnLeaseMs?)" although the lease is
 * still this holder's, sending the user after a lease/TTL problem that does not exist.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, inject, it } from "vitest";
import { ConcurrencyError } from "../../src/errors.js";
import { postgresStorage } from "../../src/storage/postgres.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage, TurnLeaseStorage } from "../../src/storage/types.js";
import { freshDatabase } from "../helpers/postgres.js";
import { makeMessage, makeRecord } from "./fixtures.js";

const url = await freshDatabase(inject("postgresUrl"));
const dir = mkdtempSync(join(tmpdir(), "r13fence-pgfence-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(s: SessionStorage & TurnLeaseStorage): Promise<unknown> {
  const r = makeRecord();
  await s.createSession(r);
  expect(await s.acquireTurnLease(r.sessionId, "holder-a", 60_000)).toBe(true);
  await s.updateSession(r.sessionId, { provider: "elsewhere" }); // moved meanwhile
  const usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 };
  const error = await s
    .appendMessages(r.sessionId, [makeMessage(r.sessionId)], {
      usage,
      costUsd: 0,
      at: new Date(),
      activate: true,
      known: r,
      ranOn: { provider: r.provider, model: r.model },
      leaseHolder: "holder-a",
    })
    .catch((e: unknown) => e);
  await s.close();
  return error;
}

it("a leased append refused for ranOn says the provider moved on every backend (not 'lease taken over')", async () => {
  const sqlite = await refusal(sqliteStorage({ dbPath: join(dir, "s.db") }));
  const pg = await refusal(postgresStorage({ connectionString: url, schema: "r13fence" }));
  expect(sqlite).toBeInstanceOf(ConcurrencyError);
  expect(pg).toBeInstanceOf(ConcurrencyError);
  expect((sqlite as Error).message).toMatch(/provider or model was changed/);
  expect((pg as Error).message).toMatch(/provider or model was changed/);
});
