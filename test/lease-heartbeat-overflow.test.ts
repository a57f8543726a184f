/**
 * `turnLeaseMs` is any positive integer, but the lease's heartbeat is `setInterval(ttl / 3)`:
 * past 2^31-1 ms Node resets the interval to 1 ms (TimeoutOverflowWarning), so a long lease
 * renews itself against the database every millisecond while the provider answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createSessionManager, sqliteStorage } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "r7-lease-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a long turnLeaseMs is either refused or renews at most a few times during a 200 ms turn", async () => {
  const storage = sqliteStorage({ dbPath: join(dir, "lease.db") });
  let renewals = 0;
  const renew = storage.renewTurnLease.bind(storage);
  storage.renewTurnLease = (...args) => {
    renewals++;
    return renew(...args);
  };
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  let manager;
  try {
    // 90 days: accepted by the config schema (a positive integer)
    manager = createSessionManager({
      storage,
      providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs: 200 }) } },
      turnLeaseMs: 90 * 24 * 3600 * 1000,
    });
  } catch {
    process.off("warning", onWarning);
    return; // refused up front: fine
  }
  try {
    const session = await manager.createSession("u", "mock", "m");
    await session.sendMessage("hello");
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
    await manager.close();
  }
  expect(renewals).toBeLessThan(5); // was ~100+: one renewal per millisecond
  expect(warnings).not.toContain("TimeoutOverflowWarning");
});
