import { expect, it } from "vitest";
import {
  isConditionalCleanupStorage,
  isTurnLeaseStorage,
  type ConditionalCleanupStorage,
  type ListCursor,
  type SessionQuery,
  type SessionStorage,
} from "../../src/storage/types.js";
import type { SessionRecord } from "../../src/types.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

const BASE = Date.UTC(2020, 0, 1);
const HOUR = 3_600_000;

/**
 * Part of the conformance suite: listing by a set of statuses, cleanup's conditional act
 * (`ConditionalCleanupStorage`), and paging that stays right while sessions are cleaned up.
 */
export function describeCleanup(storage: () => SessionStorage): void {
  const conditional = (): SessionStorage & ConditionalCleanupStorage => {
    const s = storage();
    if (!isConditionalCleanupStorage(s)) throw new Error(`${s.name} has no conditional cleanup`);
    return s;
  };
  const old = async (s: SessionStorage, overrides: Partial<SessionRecord> = {}) => {
    const r = makeRecord({ lastActivity: new Date(BASE), ...overrides });
    await s.createSession(r);
    return r;
  };
  const turnNow = (s: SessionStorage, id: string) =>
    s.appendMessages(id, [makeMessage(id)], { usage: usage(1, 1), costUsd: 0, at: new Date() });

  it("lists sessions in any of a set of statuses", async () => {
    const s = storage();
    const userId = `statuses-${Math.random()}`;
    for (const status of ["active", "paused", "archived", "error"] as const) {
      await old(s, { userId, status });
    }
    const listed = async (query: Partial<SessionQuery>) =>
      (await s.listSessions({ userId, limit: 10, ...query })).sessions.map((r) => r.status).sort();
    expect(await listed({ statuses: ["paused", "archived"] })).toEqual(["archived", "paused"]);
    expect(await listed({ statuses: [] })).toEqual([]);
    expect(await listed({ statuses: ["paused", "error"], status: "error" })).toEqual(["error"]);
  });

  it("archives or deletes a session only while it still matches the cleanup's condition", async () => {
    const s = conditional();
    const cutoff = { inactiveBefore: new Date(BASE + HOUR) };
    expect(await s.cleanUpIfInactive("missing", "delete", cutoff)).toBeNull();

    const revived = await old(s);
    await turnNow(s, revived.sessionId); // a turn after the listing: no longer inactive
    for (const action of ["archive", "delete"] as const) {
      expect(await s.cleanUpIfInactive(revived.sessionId, action, cutoff)).toBeNull();
    }
    expect(await s.getSession(revived.sessionId)).toMatchObject({ status: "active" });

    const paused = await old(s, { status: "paused" });
    const onlyActive = { ...cutoff, statuses: ["active"] as const };
    expect(await s.cleanUpIfInactive(paused.sessionId, "archive", onlyActive)).toBeNull();
    const archived = await s.cleanUpIfInactive(paused.sessionId, "archive", cutoff);
    expect(archived).toMatchObject({ sessionId: paused.sessionId, status: "archived" });
    expect(await s.getSession(paused.sessionId)).toEqual(archived);

    await s.appendMessages(paused.sessionId, [makeMessage(paused.sessionId)]); // no activity
    const deleted = await s.cleanUpIfInactive(paused.sessionId, "delete", cutoff);
    expect(deleted).toEqual(archived && { ...archived, messageCount: 1 });
    expect(await s.getSession(paused.sessionId)).toBeNull();
    await expect(s.getMessages(paused.sessionId)).rejects.toThrow(/not found/);
    expect(await s.cleanUpIfInactive(paused.sessionId, "delete", cutoff)).toBeNull();
  });

  it("spares a session whose turn lease is held, by a storage with turn leases", async () => {
    const s = conditional();
    if (!isTurnLeaseStorage(s)) return; // in process only: the manager's turn lock covers it
    const r = await old(s);
    const cutoff = { inactiveBefore: new Date(BASE + HOUR) };
    expect(await s.acquireTurnLease(r.sessionId, "other-process", 10_000)).toBe(true);
    expect(await s.cleanUpIfInactive(r.sessionId, "delete", cutoff)).toBeNull();
    expect(await s.cleanUpIfInactive(r.sessionId, "archive", cutoff)).toBeNull();
    await s.releaseTurnLease(r.sessionId, "other-process");
    expect(await s.acquireTurnLease(r.sessionId, "crashed-process", 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5)); // an expired lease holds nothing
    expect(await s.cleanUpIfInactive(r.sessionId, "delete", cutoff)).not.toBeNull();
  });

  it("pages all users' inactive sessions correctly while they are cleaned up between pages", async () => {
    const s = storage();
    const at = Date.UTC(2001, 0, 1);
    const cutoff = new Date(at + 100_000);
    const statuses = ["active", "paused"] as const;
    const make = (i: number) => old(s, { lastActivity: new Date(at + i * 1000) });
    const records: SessionRecord[] = [];
    for (let i = 0; i < 12; i++) records.push(await make(i));
    const query = (after?: ListCursor): SessionQuery => ({
      inactiveBefore: cutoff,
      statuses,
      limit: 3,
      after,
    });
    const seen: string[] = [];
    let late: SessionRecord | undefined;
    let page = await s.listSessions(query());
    for (let n = 0; ; n++) {
      seen.push(...page.sessions.map((r) => r.sessionId));
      if (n === 0) {
        // Newest first: records[11..9] were listed. Change some of the rest meanwhile.
        await s.updateSession(records[7]!.sessionId, { status: "archived" }); // leaves
        await s.deleteSession(records[6]!.sessionId); // leaves
        await turnNow(s, records[5]!.sessionId); // active again: leaves
        await s.updateSession(records[4]!.sessionId, { status: "paused" }); // stays
        late = await make(3.5); // arrives among the rest: must be listed in its place
      }
      if (!page.next) break;
      page = await s.listSessions(query(page.next));
    }
    const ids = (at: number[]) => at.map((i) => records[i]!.sessionId);
    const ours = seen.filter((id) => [...records, late].some((r) => r?.sessionId === id));
    expect(ours).toEqual([...ids([11, 10, 9, 8, 4]), late!.sessionId, ...ids([3, 2, 1, 0])]);
  });

  it("has the conditional cleanup capability", () => {
    expect(isConditionalCleanupStorage(storage())).toBe(true);
  });
}
