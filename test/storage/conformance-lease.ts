import { expect, it } from "vitest";
import { ConcurrencyError, SessionNotFoundError } from "../../src/errors.js";
import type { SessionStorage, TurnCounters, TurnLeaseStorage } from "../../src/storage/types.js";
import { isTurnLeaseStorage } from "../../src/storage/types.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Part of the conformance suite, for backends with turn leases: one holder at a time, renewal
 * that never takes a lost lease back, and turns fenced on the lease they were answered under.
 */
export function describeTurnLeases(storage: () => SessionStorage): void {
  const leased = (): SessionStorage & TurnLeaseStorage => {
    const s = storage();
    if (!isTurnLeaseStorage(s)) throw new Error(`${s.name} has no turn leases`);
    return s;
  };
  const session = async (s: SessionStorage) => {
    const r = makeRecord();
    await s.createSession(r);
    return r.sessionId;
  };
  const fenced = (holder: string): TurnCounters => ({
    usage: usage(3, 4),
    costUsd: 0.5,
    at: new Date(),
    leaseHolder: holder,
  });

  it("grants a turn lease to one holder at a time", async () => {
    const s = leased();
    const id = await session(s);
    expect(await s.acquireTurnLease(id, "a", 10_000)).toBe(true);
    expect(await s.acquireTurnLease(id, "b", 10_000)).toBe(false);
    expect(await s.acquireTurnLease(id, "a", 10_000)).toBe(true);
    await s.releaseTurnLease(id, "b");
    expect(await s.acquireTurnLease(id, "b", 10_000)).toBe(false);
    await s.releaseTurnLease(id, "a");
    expect(await s.acquireTurnLease(id, "b", 1)).toBe(true);
    await sleep(5);
    expect(await s.acquireTurnLease(id, "c", 10_000)).toBe(true);
  });

  it("renews a lease only for the holder that still has it, never taking it back", async () => {
    const s = leased();
    const id = await session(s);
    expect(await s.renewTurnLease(id, "a", 10_000)).toBe(false); // nobody holds it: not created
    expect(await s.acquireTurnLease(id, "a", 1)).toBe(true);
    await sleep(5);
    expect(await s.renewTurnLease(id, "a", 10_000)).toBe(true); // expired, but no one took it
    expect(await s.acquireTurnLease(id, "b", 10_000)).toBe(false);
    await s.releaseTurnLease(id, "a");
    expect(await s.acquireTurnLease(id, "b", 10_000)).toBe(true);
    expect(await s.renewTurnLease(id, "a", 10_000)).toBe(false); // "b" has it
    await s.releaseTurnLease(id, "b");
    expect(await s.renewTurnLease(id, "a", 10_000)).toBe(false); // released: still not "a"'s
    expect(await s.acquireTurnLease(id, "c", 10_000)).toBe(true);
  });

  it("stores a fenced turn only while its holder has the lease, else writes nothing", async () => {
    const s = leased();
    const id = await session(s);
    const before = await s.getSession(id);
    const turn = () => [makeMessage(id), makeMessage(id, { role: "assistant", content: "r" })];

    await expect(s.appendMessages(id, turn(), fenced("a"))).rejects.toThrow(ConcurrencyError);
    expect(await s.acquireTurnLease(id, "a", 1)).toBe(true);
    await sleep(5);
    expect(await s.acquireTurnLease(id, "b", 10_000)).toBe(true); // "a" froze; "b" took over
    const lost = s.appendMessages(id, turn(), fenced("a"));
    await expect(lost).rejects.toThrow(/taken over by another process/);
    await s.releaseTurnLease(id, "b");
    await expect(s.appendMessages(id, turn(), fenced("a"))).rejects.toThrow(ConcurrencyError);
    expect(await s.getMessages(id)).toEqual([]);
    expect(await s.getSession(id)).toEqual(before);

    const kept = turn();
    expect(await s.acquireTurnLease(id, "a", 1)).toBe(true);
    await sleep(5); // expired, but no one else took it: the turn is still in order
    await s.appendMessages(id, kept, fenced("a"));
    await s.appendMessages(id, [makeMessage(id)]); // unfenced writes need no lease
    const after = await s.getSession(id);
    expect((await s.getMessages(id)).slice(0, 2)).toEqual(kept);
    expect([after?.messageCount, after?.inputTokens, after?.costUsd]).toEqual([3, 3, 0.5]);
  });

  it("reports a fenced turn on a missing session as not found", async () => {
    const s = leased();
    await expect(
      s.appendMessages("missing", [makeMessage("missing")], fenced("a")),
    ).rejects.toThrow(SessionNotFoundError);
  });
}
