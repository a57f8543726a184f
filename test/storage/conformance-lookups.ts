import { expect, it } from "vitest";
import { SessionNotFoundError } from "../../src/errors.js";
import {
  isConditionalCleanupStorage,
  isTurnLeaseStorage,
  type ConditionalCleanupStorage,
  type SessionQuery,
  type SessionStorage,
} from "../../src/storage/types.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

const OLD = new Date(Date.UTC(2001, 0, 1));

/**
 * Part of the conformance suite: lookups by an id no session can have, and the checks on a
 * listing's query and on cleanup's act. The drivers read some such values as other values (pg
 * sends a lone surrogate as U+FFFD, SQLite compares a number with text as text), so each backend
 * must answer before it queries.
 */
export function describeLookupChecks(storage: () => SessionStorage): void {
  const conditional = (): SessionStorage & ConditionalCleanupStorage => {
    const s = storage();
    if (!isConditionalCleanupStorage(s)) throw new Error(`${s.name} has no conditional cleanup`);
    return s;
  };

  it("answers an id no session can have as absent, never touching another session", async () => {
    const s = conditional();
    const base = `ticket-${Math.random()}-`;
    // What a driver could make of the ids asked below: U+FFFD for a lone surrogate, "5" for 5.
    const kept = [makeRecord({ sessionId: `${base}\uFFFD` }), makeRecord({ sessionId: "5" })];
    for (const r of kept) {
      await s.createSession({ ...r, lastActivity: OLD });
      await s.appendMessages(r.sessionId, [makeMessage(r.sessionId)]);
    }
    const before = await Promise.all(kept.map((r) => s.getSession(r.sessionId)));
    const cutoff = { inactiveBefore: new Date() };
    for (const id of [
      `${base}\ud800`,
      `${base}\udc00`,
      `${base}\0`,
      "\0",
      5 as unknown as string,
    ]) {
      const what = JSON.stringify(String(id));
      const notFound = (call: Promise<unknown>) =>
        expect(call, what).rejects.toBeInstanceOf(SessionNotFoundError);
      expect(await s.getSession(id), what).toBeNull();
      expect(await s.updateSession(id, { name: "changed" }), what).toBeNull();
      expect(await s.cleanUpIfInactive(id, "archive", cutoff), what).toBeNull();
      expect(await s.cleanUpIfInactive(id, "delete", cutoff), what).toBeNull();
      expect(await s.deleteSession(id), what).toBe(false);
      await notFound(s.getMessages(id));
      await notFound(s.getMessages(id, { limit: 1 }));
      await notFound(s.appendMessages(id, [makeMessage(id)]));
      await notFound(
        s.appendMessages(id, [makeMessage(id)], { usage: usage(1, 1), costUsd: 0, at: new Date() }),
      );
      await notFound(s.addMessage(id, makeMessage(id)));
      await notFound(s.clearMessages(id));
      if (isTurnLeaseStorage(s)) {
        await notFound(s.acquireTurnLease(id, "h", 10_000));
        expect(await s.renewTurnLease(id, "h", 10_000), what).toBe(false);
        await s.releaseTurnLease(id, "h");
      }
    }
    expect(await Promise.all(kept.map((r) => s.getSession(r.sessionId)))).toEqual(before);
    for (const r of kept) expect(await s.getMessages(r.sessionId)).toHaveLength(1);
    if (isTurnLeaseStorage(s)) {
      for (const r of kept) expect(await s.acquireTurnLease(r.sessionId, "x", 10_000)).toBe(true);
    }
  });

  it("lists no session for a user id no session can have", async () => {
    const s = storage();
    const user = `u-${Math.random()}`;
    await s.createSession(makeRecord({ userId: `${user}\uFFFD` }));
    await s.createSession(makeRecord({ userId: "7" }));
    for (const userId of [`${user}\udc00`, `${user}\0`, 7 as unknown as string]) {
      const page = await s.listSessions({ userId, limit: 10 });
      expect(page, JSON.stringify(String(userId))).toEqual({ sessions: [], next: null });
    }
  });

  it("refuses a listing query that is not one, naming the field", async () => {
    const s = storage();
    const userId = `lq-${Math.random()}`;
    for (let i = 0; i < 3; i++) await s.createSession(makeRecord({ userId }));
    const bad: [string, Record<string, unknown>][] = [
      ["limit", { limit: Number.NaN }],
      ["limit", { limit: Number.POSITIVE_INFINITY }],
      ["limit", { limit: 1.5 }],
      ["limit", { limit: -1 }],
      ["limit", { limit: "2" }],
      ["limit", { limit: undefined }],
      ["status", { status: "deleted" }],
      ["statuses", { statuses: "active" }],
      ["statuses[1]", { statuses: ["active", "gone"] }],
      ["inactiveBefore", { inactiveBefore: new Date(Number.NaN) }],
      ["inactiveBefore", { inactiveBefore: Date.now() }],
      ["after", { after: null }],
      ["after.lastActivity", { after: { lastActivity: new Date(Number.NaN), sessionId: "z" } }],
      ["after.sessionId", { after: { lastActivity: new Date(), sessionId: "z\ud800" } }],
    ];
    for (const [field, change] of bad) {
      const query = { userId, limit: 2, ...change } as SessionQuery;
      await expect(
        s.listSessions(query),
        `${field} ${String(Object.values(change)[0])}`,
      ).rejects.toMatchObject({ name: "ValidationError", field });
    }
    expect((await s.listSessions({ userId, limit: 0 })).sessions).toEqual([]);
    expect(
      (await s.listSessions({ userId, limit: Number.MAX_SAFE_INTEGER })).sessions,
    ).toHaveLength(3);
  });

  it("refuses an unknown cleanup action or cutoff, leaving the session and its messages", async () => {
    const s = conditional();
    const r = makeRecord({ lastActivity: OLD });
    await s.createSession(r);
    await s.appendMessages(r.sessionId, [makeMessage(r.sessionId)]);
    const before = await s.getSession(r.sessionId);
    const cutoff = { inactiveBefore: new Date() };
    const bad: [string, () => Promise<unknown>][] = [
      ["action", () => s.cleanUpIfInactive(r.sessionId, "purge" as "delete", cutoff)],
      ["action", () => s.cleanUpIfInactive(r.sessionId, undefined as unknown as "delete", cutoff)],
      [
        "inactiveBefore",
        () => s.cleanUpIfInactive(r.sessionId, "delete", { inactiveBefore: new Date(Number.NaN) }),
      ],
      [
        "inactiveBefore",
        () => s.cleanUpIfInactive(r.sessionId, "archive", { inactiveBefore: new Date(-8.64e15) }),
      ],
      [
        "statuses[0]",
        () =>
          s.cleanUpIfInactive(r.sessionId, "delete", { ...cutoff, statuses: ["x" as "active"] }),
      ],
    ];
    for (const [field, call] of bad) {
      await expect(call(), field).rejects.toMatchObject({ name: "ValidationError", field });
    }
    expect(await s.getSession(r.sessionId)).toEqual(before);
    expect(await s.getMessages(r.sessionId)).toHaveLength(1);
  });
}
