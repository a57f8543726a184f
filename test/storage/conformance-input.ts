import { expect, it } from "vitest";
import { ConcurrencyError, SessionNotFoundError, ValidationError } from "../../src/errors.js";
import { MAX_TIME, MIN_TIME } from "../../src/storage/record.js";
import type { SessionStorage } from "../../src/storage/types.js";
import type { SessionMessage } from "../../src/types.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

/**
 * Part of the conformance suite: what every backend refuses, naming the field, before it writes
 * anything. Whatever one backend could not keep verbatim, none takes, so all read back the same.
 */
export function describeInputChecks(storage: () => SessionStorage): void {
  it("refuses a message some backend could not keep verbatim, naming the field, writing nothing", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const kept = makeMessage(r.sessionId);
    await s.appendMessages(r.sessionId, [kept]);
    const bad: [string, Partial<SessionMessage> | Record<string, unknown>][] = [
      ["content", { content: "a\0b" }],
      ["content", { content: "x\ud800y" }],
      ["messageId", { messageId: "id\0" }],
      ["metadata.at", { metadata: { at: new Date(0) } }],
      ["metadata", { metadata: ["not", "an", "object"] }],
      ["metadata.n", { metadata: { n: Number.NaN } }],
      ["toolCalls", { toolCalls: "nope" }],
      ["tokenCount", { tokenCount: "7" }],
      ["tokenCount", { tokenCount: -1 }],
      ["finishReason", { finishReason: 5 }],
      ["toolCallId", { role: "tool", toolCallId: "call\0" }],
    ];
    for (const [field, change] of bad) {
      const message = { ...makeMessage(r.sessionId), ...change } as SessionMessage;
      const refused = (call: Promise<unknown>) =>
        expect(call, field).rejects.toMatchObject({ name: "ValidationError", field });
      await refused(s.addMessage(r.sessionId, message));
      await refused(s.appendMessages(r.sessionId, [makeMessage(r.sessionId), message], turn()));
    }
    expect(await s.getMessages(r.sessionId)).toEqual([kept]);
    expect((await s.getSession(r.sessionId))!.messageCount).toBe(1);
    expect((await s.getSession(r.sessionId))!.inputTokens).toBe(0);
  });

  it("refuses a record change some backend could not keep, naming the field, changing nothing", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const before = await s.getSession(r.sessionId);
    const bad: [string, Record<string, unknown>][] = [
      ["status", { status: "deleted" }],
      ["statuss", { statuss: "archived" }],
      ["model", { model: "" }],
      ["name", { name: 7 }],
      ["providerSessionId", { providerSessionId: "conv\0" }],
      ["context.at", { mergeContext: { at: new Date(0) } }],
      ["metadata.n", { mergeMetadata: { n: Number.NaN } }],
      ["providerConfig", { providerConfig: ["x"] }],
    ];
    for (const [field, patch] of bad) {
      await expect(s.updateSession(r.sessionId, patch), field).rejects.toMatchObject({
        name: "ValidationError",
        field,
      });
    }
    expect(await s.getSession(r.sessionId)).toEqual(before);
  });

  it("makes a session active in the append of a turn that says so, and only then", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    await s.updateSession(r.sessionId, { status: "archived" });
    await s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], turn()); // e.g. a migration
    expect((await s.getSession(r.sessionId))!.status).toBe("archived");
    await s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], { ...turn(), activate: true });
    expect((await s.getSession(r.sessionId))!.status).toBe("active");
  });

  it("writes to or deletes only the session a call knows (user and creation time)", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    // Sessions made anew under the id: later, or by another user in the same millisecond.
    const later = { userId: r.userId, createdAt: new Date(r.createdAt.getTime() + 1) };
    const other = { userId: "someone-else", createdAt: new Date(r.createdAt) };
    for (const known of [later, other]) {
      await expect(
        s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], { ...turn(), known }),
      ).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(
        s.updateSession(r.sessionId, { status: "paused", known }),
      ).rejects.toBeInstanceOf(SessionNotFoundError);
      for (const limit of [undefined, 5]) {
        await expect(s.getMessages(r.sessionId, { limit, known })).rejects.toBeInstanceOf(
          SessionNotFoundError,
        );
      }
      expect(await s.deleteSession(r.sessionId, known)).toBe(false); // another session's
    }
    await s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], { ...turn(), known: r });
    await s.updateSession(r.sessionId, { name: "kept", known: r });
    expect((await s.getSession(r.sessionId))!.status).toBe("active");
    expect((await s.getSession(r.sessionId))!.messageCount).toBe(1);
    expect(await s.getMessages(r.sessionId)).toHaveLength(1);
    expect(await s.getMessages(r.sessionId, { limit: 5, known: r })).toHaveLength(1);
    expect(await s.deleteSession(r.sessionId, r)).toBe(true);
    expect(await s.getSession(r.sessionId)).toBeNull();
  });

  it("refuses a turn whose provider or model the session has left, writing nothing", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    const append = (ranOn: { provider: string; model: string }) =>
      s.appendMessages(r.sessionId, [makeMessage(r.sessionId)], { ...turn(), known: r, ranOn });
    for (const ranOn of [
      { provider: "elsewhere", model: r.model },
      { provider: r.provider, model: "another-model" },
    ]) {
      await expect(append(ranOn)).rejects.toBeInstanceOf(ConcurrencyError);
    }
    expect((await s.getSession(r.sessionId))!.messageCount).toBe(0);
    expect((await s.getSession(r.sessionId))!.inputTokens).toBe(0);
    expect(await s.getMessages(r.sessionId)).toHaveLength(0);
    await append({ provider: r.provider, model: r.model });
    expect(await s.getMessages(r.sessionId)).toHaveLength(1);
    // A session that is gone is not found, whatever the turn ran on.
    await s.deleteSession(r.sessionId);
    await expect(append({ provider: "elsewhere", model: r.model })).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    const bad = { provider: 1, model: r.model } as unknown as { provider: string; model: string };
    await expect(append(bad)).rejects.toBeInstanceOf(ValidationError);
  });

  it("merges context shallowly, a key given as undefined removed", async () => {
    const s = storage();
    const r = makeRecord({ context: { keep: 1, drop: { deep: true }, swap: { a: 1 } } });
    await s.createSession(r);
    const updated = await s.updateSession(r.sessionId, {
      mergeContext: { drop: undefined, swap: { b: 2 }, absent: undefined },
    });
    expect(updated!.context).toEqual({ keep: 1, swap: { b: 2 } });
    expect((await s.getSession(r.sessionId))!.context).toEqual({ keep: 1, swap: { b: 2 } });
  });

  it("refuses a limit that is not a whole number of messages", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    await s.appendMessages(r.sessionId, [makeMessage(r.sessionId), makeMessage(r.sessionId)]);
    for (const limit of [-1, 2.5, Number.NaN, "2"]) {
      await expect(
        s.getMessages(r.sessionId, { limit } as { limit: number }),
        String(limit),
      ).rejects.toThrow(ValidationError);
    }
    expect(await s.getMessages(r.sessionId, { limit: 0 })).toEqual([]);
    expect(await s.getMessages(r.sessionId, { limit: Number.MAX_SAFE_INTEGER })).toHaveLength(2);
  });
}

/** Part of the conformance suite: times anywhere in the storable range read back exactly. */
export function describeExactTimes(storage: () => SessionStorage): void {
  it("keeps any millisecond from year 0001 to 9999 exactly", async () => {
    const s = storage();
    const r = makeRecord();
    await s.createSession(r);
    // A fixed pseudo-random spread (no flaky seeds), plus both ends and around the epoch.
    const times = [MIN_TIME, MAX_TIME, -1, 0, 1, -1001, 999];
    for (let x = 12345, i = 0; i < 400; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      times.push(Math.round(MIN_TIME + (x / 2 ** 31) * (MAX_TIME - MIN_TIME)));
    }
    const messages = times.map((t) => makeMessage(r.sessionId, { timestamp: new Date(t) }));
    await s.appendMessages(r.sessionId, messages);
    const back = (await s.getMessages(r.sessionId)).map((m) => m.timestamp.getTime());
    expect(back).toEqual(times);
  });
}

function turn() {
  return { usage: usage(5, 5), costUsd: 0, at: new Date() };
}
