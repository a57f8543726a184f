/**
 * Two processes (two managers on separate SQLite storage objects, one file). Process B's Session
 * was read while the session was on a stateless provider; process A then moved it to a
 * client-history provider, whose turns take the lease. B's switchProvider decides whether to take
 * the lease from its stale record (withTurnLeaving -> acquireTurn: keepsState(stale record) is
 * false), so it takes none, re-reads the record and moves the session while A's leased turn is in
 * flight. A's reply, answered under its own lease on the provider the session was on when the
 * lease was taken, is then refused by the new `ranOn` fence (ConcurrencyError).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createSessionManager, sqliteStorage } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "r13fence-stale-switch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a stale Session's switchProvider waits for another process's leased turn, which is stored", async () => {
  const dbPath = join(dir, "s.db");
  const make = () =>
    createSessionManager({
      storage: sqliteStorage({ dbPath }),
      providers: {
        mock: { adapter: new MockProvider() },
        hist: { adapter: new MockProvider({ historyAware: true, latencyMs: 300 }) },
        other: { adapter: new MockProvider() },
      },
    });
  const a = make();
  const b = make();
  try {
    const sessionA = await a.createSession("u", "mock", "m1");
    const sessionB = await b.getSession(sessionA.sessionId); // read on "mock"
    await sessionB.sendMessage("from B"); // B has used the session (its adapter is built)
    await sessionA.switchProvider("hist", "h1");

    const turnA = sessionA.sendMessage("long turn on hist").then(
      (m) => m,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 50)); // A holds the lease, the provider thinks
    const started = Date.now();
    await sessionB.switchProvider("other", "o1");
    const waited = Date.now() - started;

    const outcome = await turnA;
    expect({
      turnA: outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : "stored",
      switchWaitedForLease: waited >= 150,
    }).toEqual({ turnA: "stored", switchWaitedForLease: true });
  } finally {
    await a.close();
    await b.close();
  }
});
