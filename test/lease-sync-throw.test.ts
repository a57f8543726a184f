/**
 * A user's storage with the `TurnLeaseStorage` capability whose lease methods are not `async`
 * (a better-sqlite3 backend: `renewTurnLease(...) { return Promise.resolve(stmt.run(...)) }`,
 * which throws SQLITE_BUSY synchronously). internal/lease.ts calls
 * `storage.renewTurnLease(...).catch(...)` in a setInterval callback and
 * `await storage.releaseTurnLease(...).catch(...)`: a synchronous throw skips the `.catch`.
 * - renewal: an uncaught exception from a timer, which kills the process (the comment says "A
 *   failed renewal is retried at the next beat");
 * - release: the turn, stored whole, is reported as failed with the raw driver error (the
 *   comment says "A release that fails ... is not the turn's failure"); a caller retrying it
 *   stores the message twice, and the turn's hooks never run.
 */
import { expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";
import type { ProviderAdapter } from "../src/index.js";
import { USAGE } from "./helpers/own-adapter.js";
import { userStorage } from "./helpers/user-storage.js";

const slow: ProviderAdapter = {
  name: "slow",
  historyMode: () => "client",
  sendTurn: () => new Promise((r) => setTimeout(() => r({ content: "ok", usage: USAGE }), 100)),
  async *streamTurn() {
    yield { type: "done", reply: { content: "ok", usage: USAGE } };
  },
};

function leasedStorage(fail: { renew?: boolean; release?: boolean }) {
  const storage = userStorage() as ReturnType<typeof userStorage> & Record<string, unknown>;
  const leases = new Map<string, { holder: string; until: number }>();
  storage.acquireTurnLease = async (id: string, holder: string, ttl: number) => {
    const lease = leases.get(id);
    if (lease && lease.holder !== holder && lease.until > Date.now()) return false;
    leases.set(id, { holder, until: Date.now() + ttl });
    return true;
  };
  storage.renewTurnLease = (id: string, holder: string, ttl: number) => {
    if (fail.renew) throw new Error("SQLITE_BUSY: database is locked");
    const lease = leases.get(id);
    if (!lease || lease.holder !== holder) return Promise.resolve(false);
    lease.until = Date.now() + ttl;
    return Promise.resolve(true);
  };
  storage.releaseTurnLease = (id: string, holder: string) => {
    if (fail.release) throw new Error("SQLITE_BUSY: database is locked");
    if (leases.get(id)?.holder === holder) leases.delete(id);
    return Promise.resolve();
  };
  return storage;
}

it("a lease renewal that throws synchronously is not an uncaught exception", async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on("uncaughtException", onUncaught);
  try {
    const manager = createSessionManager({
      storage: leasedStorage({ renew: true }),
      turnLeaseMs: 30, // a beat every 10 ms during the 100 ms turn
      providers: { slow: { adapter: slow } },
    });
    const session = await manager.createSession("u", "slow", "m");
    await session.sendMessage("hi");
    await manager.close();
  } finally {
    process.off("uncaughtException", onUncaught);
  }
  expect(uncaught.map(String)).toEqual([]);
});

it("a lease release that throws synchronously does not fail a turn that was stored", async () => {
  const sent: string[] = [];
  const manager = createSessionManager({
    storage: leasedStorage({ release: true }),
    providers: { slow: { adapter: slow } },
    hooks: { onReplyReceived: (m) => void sent.push(m.content) },
  });
  const session = await manager.createSession("u", "slow", "m");
  const outcome = await session.sendMessage("hi").catch((e: Error) => e);
  expect((await session.getMessages()).map((m) => m.content)).toEqual(["hi", "ok"]);
  expect(outcome).not.toBeInstanceOf(Error); // stored whole, so it succeeded
  expect(sent).toEqual(["ok"]);
  await manager.close();
});
