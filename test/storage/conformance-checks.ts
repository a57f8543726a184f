import { expect, it } from "vitest";
import type { KnownSession, SessionStorage, TurnCounters } from "../../src/storage/types.js";
import type { SessionMessage, SessionRecord } from "../../src/types.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

const at = () => new Date(Date.UTC(2030, 0, 1));
const turn = (change: Partial<TurnCounters> = {}): TurnCounters => ({
  usage: usage(1, 1),
  costUsd: 0,
  at: at(),
  ...change,
});

/**
 * Part of the conformance suite: the writes of `storage.createSession` and `appendMessages`
 * that take input no backend checked before (the record, a turn's counters, `known`). What one
 * backend could not keep verbatim, none takes, naming the field, and none keeps the caller's
 * objects.
 */
export function describeWriteChecks(storage: () => SessionStorage): void {
  it("keeps its own copy of a turn's time: changing counters.at afterwards changes nothing", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const time = at();
    await s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], turn({ at: time }));
    time.setTime(0); // the caller reuses its Date (a reply's timestamp, in the session layer)
    const stored = (await s.getSession(r.sessionId))!;
    expect(stored.lastActivity.getTime()).toBe(at().getTime());
    expect(stored.updatedAt.getTime()).toBe(at().getTime());
  });

  it("refuses a turn whose counters some backend could not keep, naming the field, writing nothing", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const before = await s.getSession(r.sessionId);
    const bad: [string, Partial<TurnCounters> | Record<string, unknown>][] = [
      ["usage.inputTokens", { usage: usage(Number.NaN, 1) }],
      ["usage.inputTokens", { usage: usage(1.5, 1) }],
      ["usage.inputTokens", { usage: usage(2 ** 63, 1) }],
      ["usage.outputTokens", { usage: usage(1, -1) }],
      ["usage.cacheCreationTokens", { usage: { ...usage(1, 1), cacheCreationTokens: "2" } }],
      ["usage", { usage: null }],
      ["costUsd", { costUsd: Number.NaN }],
      ["costUsd", { costUsd: -0.5 }],
      ["costUsd", { costUsd: Number.POSITIVE_INFINITY }],
      ["at", { at: new Date(Number.NaN) }],
      ["at", { at: new Date(-8.64e15) }], // before year 0001
      ["at", { at: "2030-01-01" }],
      ["activate", { activate: 1 }],
    ];
    for (const [field, change] of bad) {
      const counters = turn(change as Partial<TurnCounters>);
      await expect(
        s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], counters),
        field,
      ).rejects.toMatchObject({ name: "ValidationError", field });
    }
    expect(await s.getMessages(r.sessionId)).toEqual([]);
    expect(await s.getSession(r.sessionId)).toEqual(before);
  });

  it("refuses a new record some backend could not keep verbatim, naming the field, storing nothing", async () => {
    const s = storage();
    const bad: [string, Record<string, unknown>][] = [
      ["sessionId", { sessionId: "" }],
      ["userId", { userId: "u\ud800" }],
      ["provider", { provider: null }],
      ["model", { model: "  " }],
      ["status", { status: "deleted" }],
      ["name", { name: "a\0b" }],
      ["description", { description: 7 }],
      ["context.at", { context: { at: new Date(0) } }],
      ["metadata.n", { metadata: { n: Number.NaN } }],
      ["providerConfig", { providerConfig: ["x"] }],
      ["createdAt", { createdAt: new Date(Number.NaN) }],
      ["lastActivity", { lastActivity: new Date(Date.parse("+010000-01-01T00:00:00Z")) }],
      ["messageCount", { messageCount: 1.5 }],
      ["inputTokens", { inputTokens: -1 }],
      ["costUsd", { costUsd: Number.NaN }],
    ];
    for (const [field, change] of bad) {
      const r = makeRecord(change as Partial<SessionRecord>);
      await expect(s.createSession(r), field).rejects.toMatchObject({
        name: "ValidationError",
        field,
      });
      expect(await s.getSession(r.sessionId)).toBeNull();
    }
    await expect(s.createSession(null as unknown as SessionRecord)).rejects.toMatchObject({
      name: "ValidationError",
      field: "record",
    });
  });

  it("reads a new record back as JSON has it (-0 as 0, no undefined keys)", async () => {
    const s = storage();
    const r = makeRecord({
      context: { z: -0, gone: undefined },
      metadata: { deep: [{ w: -0 }] },
      costUsd: -0,
      inputTokens: -0,
    });
    await s.createSession(r);
    const back = (await s.getSession(r.sessionId))!;
    expect(Object.keys(back.context)).toEqual(["z"]);
    expect(Object.is(back.context.z, 0)).toBe(true);
    expect(Object.is((back.metadata.deep as { w: number }[])[0]!.w, 0)).toBe(true);
    expect(Object.is(back.costUsd, 0)).toBe(true);
    expect(Object.is(back.inputTokens, 0)).toBe(true);
  });

  it("refuses a malformed known alike in every call that takes one", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const malformed = [
      { userId: r.userId },
      { userId: r.userId, createdAt: new Date(Number.NaN) },
      { userId: 7, createdAt: r.createdAt },
      { userId: `${r.userId}\ud800`, createdAt: r.createdAt },
      null,
    ] as unknown as KnownSession[];
    for (const known of malformed) {
      const calls = [
        () => s.updateSession(r.sessionId, { name: "x", known }),
        () => s.getMessages(r.sessionId, { known }),
        () => s.getMessages(r.sessionId, { known, limit: 5 }),
        () => s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], turn({ known })),
        () => s.deleteSession(r.sessionId, known),
      ];
      for (const [i, call] of calls.entries()) {
        await expect(call(), `${JSON.stringify(known)}, call ${i}`).rejects.toMatchObject({
          name: "ValidationError",
          field: "known",
        });
      }
    }
    expect(await s.getMessages(r.sessionId)).toEqual([]);
    expect(await s.getSession(r.sessionId)).toEqual(r);
  });

  it("reads a tokenCount of -0 back as 0, as JSON has it", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    await s.addMessage(
      r.sessionId,
      makeMessage(r.sessionId, { role: "assistant", tokenCount: -0 }),
    );
    const [m] = await s.getMessages(r.sessionId);
    expect(Object.is(m!.tokenCount, 0)).toBe(true);
  });

  it("refuses a batch that is not an array of messages with a ValidationError", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const calls: [string, () => Promise<unknown>][] = [
      ["addMessage(null)", () => s.addMessage(r.sessionId, null as unknown as SessionMessage)],
      ["null batch", () => s.appendMessages(r.sessionId, null as unknown as SessionMessage[])],
      [
        "a message as batch",
        () => s.appendMessages(r.sessionId, makeMessage(r.sessionId) as never),
      ],
      [
        "undefined in a batch",
        () => s.appendMessages(r.sessionId, [makeMessage(r.sessionId), undefined as never]),
      ],
    ];
    for (const [what, call] of calls) {
      await expect(call(), what).rejects.toMatchObject({
        name: "ValidationError",
        field: "messages",
      });
    }
    expect(await s.getMessages(r.sessionId)).toEqual([]);
  });
}
