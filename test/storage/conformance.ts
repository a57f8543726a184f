import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionNotFoundError, StorageError, ValidationError } from "../../src/errors.js";
import { isTurnLeaseStorage, type SessionStorage } from "../../src/storage/types.js";
import { describeWriteChecks } from "./conformance-checks.js";
import { describeCleanup } from "./conformance-cleanup.js";
import { describeExactTimes, describeInputChecks } from "./conformance-input.js";
import { describeTurnLeases } from "./conformance-lease.js";
import { describeLookupChecks } from "./conformance-lookups.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

export interface ConformanceOptions {
  name: string;
  /** A fresh, empty storage for the suite. */
  create(): SessionStorage | Promise<SessionStorage>;
  /**
   * Whether the backend serialises turns across processes (`TurnLeaseStorage`). Only the
   * in-process memory store may say no: its mutex already covers every turn. @default true
   */
  turnLeases?: boolean;
}

/** The storage contract, as behaviour. Every backend runs all of it; none may skip a test. */
export function describeStorageConformance(options: ConformanceOptions): void {
  describe(`storage conformance: ${options.name}`, () => {
    let storage: SessionStorage;
    beforeAll(async () => {
      storage = await options.create();
    });
    afterAll(async () => {
      await storage.close();
    });

    it("creates and reads back a session, refusing a taken id", async () => {
      const record = makeRecord({ context: { a: { b: [1, 2] } }, name: "n" });
      await storage.createSession(record);
      expect(await storage.getSession(record.sessionId)).toEqual(record);
      await expect(storage.createSession(record)).rejects.toThrow(ValidationError);
      expect(await storage.getSession("missing")).toBeNull();
    });

    it("appends messages in order and keeps ids, timestamps and extras", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      const messages = [
        makeMessage(r.sessionId, { role: "system", content: "be brief" }),
        makeMessage(r.sessionId, { content: "'; DROP TABLE sessions; -- 😀 ünï" }),
        makeMessage(r.sessionId, {
          role: "assistant",
          content: "",
          toolCalls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
          finishReason: "tool_calls",
          providerMessageId: "resp_1",
          tokenCount: 7,
          metadata: { nested: { x: [1, "two", null] } },
        }),
        makeMessage(r.sessionId, { role: "tool", content: '{"ok":true}', toolCallId: "call_1" }),
      ];
      await storage.appendMessages(r.sessionId, messages.slice(0, 2));
      await storage.addMessage(r.sessionId, messages[2]!);
      await storage.appendMessages(r.sessionId, messages.slice(3));
      expect(await storage.getMessages(r.sessionId)).toEqual(messages);
    });

    it("returns the newest N, oldest first", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      const all = Array.from({ length: 25 }, (_, i) =>
        makeMessage(r.sessionId, { content: `m${i}` }),
      );
      await storage.appendMessages(r.sessionId, all);
      const newest = await storage.getMessages(r.sessionId, { limit: 5 });
      expect(newest.map((m) => m.content)).toEqual(["m20", "m21", "m22", "m23", "m24"]);
      expect(await storage.getMessages(r.sessionId, { limit: 100 })).toHaveLength(25);
      expect(await storage.getMessages(r.sessionId, { limit: 0 })).toEqual([]);
    });

    it("isolates stored data from callers' objects (clones on read and write)", async () => {
      const r = makeRecord({ context: { k: "v" } });
      await storage.createSession(r);
      r.context.k = "changed";
      const m = makeMessage(r.sessionId, { metadata: { tag: "a" } });
      await storage.appendMessages(r.sessionId, [m]);
      m.metadata.tag = "b";
      m.content = "changed";
      const [read] = await storage.getMessages(r.sessionId);
      expect(read!.metadata).toEqual({ tag: "a" });
      read!.metadata.tag = "c";
      (await storage.getSession(r.sessionId))!.context.k = "again";
      expect((await storage.getMessages(r.sessionId))[0]!.metadata).toEqual({ tag: "a" });
      expect((await storage.getSession(r.sessionId))!.context).toEqual({ k: "v" });
    });

    it("adds a turn's counters with its messages", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      const at = new Date(r.lastActivity.getTime() + 60_000);
      const pair = [makeMessage(r.sessionId), makeMessage(r.sessionId, { role: "assistant" })];
      await storage.appendMessages(r.sessionId, pair, {
        usage: usage(10, 5, 2, 1),
        costUsd: 0.5,
        at,
      });
      await storage.appendMessages(r.sessionId, [makeMessage(r.sessionId)], {
        usage: usage(1, 1),
        costUsd: null,
        at,
      });
      const s = (await storage.getSession(r.sessionId))!;
      expect(s).toMatchObject({
        messageCount: 3,
        inputTokens: 11,
        outputTokens: 6,
        cachedTokens: 2,
        cacheCreationTokens: 1,
        costUsd: 0.5,
        unpricedTurns: 1,
      });
      expect(s.lastActivity).toEqual(at);
    });

    it("refuses a message id already in the session and writes nothing of the batch", async () => {
      const r = makeRecord();
      const other = makeRecord();
      await storage.createSession(r);
      await storage.createSession(other);
      const m = makeMessage(r.sessionId);
      await storage.appendMessages(r.sessionId, [m]);
      const batch = [makeMessage(r.sessionId), { ...m }];
      await expect(storage.appendMessages(r.sessionId, batch, counters())).rejects.toThrow(
        ValidationError,
      );
      expect(await storage.getMessages(r.sessionId)).toHaveLength(1);
      expect((await storage.getSession(r.sessionId))!.messageCount).toBe(1);
      await storage.addMessage(other.sessionId, { ...m, sessionId: other.sessionId });
      expect(await storage.getMessages(other.sessionId)).toHaveLength(1);
    });

    it("raises SessionNotFoundError for message operations on an unknown session", async () => {
      await expect(storage.appendMessages("nope", [makeMessage("nope")])).rejects.toThrow(
        SessionNotFoundError,
      );
      await expect(storage.getMessages("nope")).rejects.toThrow(SessionNotFoundError);
      await expect(storage.clearMessages("nope")).rejects.toThrow(SessionNotFoundError);
      expect(await storage.updateSession("nope", { status: "archived" })).toBeNull();
      expect(await storage.deleteSession("nope")).toBe(false);
    });

    it("clears messages, keeps spent tokens, and appends again after", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      await storage.appendMessages(r.sessionId, [makeMessage(r.sessionId)], counters(4));
      await storage.clearMessages(r.sessionId);
      expect(await storage.getMessages(r.sessionId)).toEqual([]);
      const s = (await storage.getSession(r.sessionId))!;
      expect(s.messageCount).toBe(0);
      expect(s.inputTokens).toBe(4);
      await storage.appendMessages(r.sessionId, [makeMessage(r.sessionId, { content: "again" })]);
      expect((await storage.getMessages(r.sessionId)).map((m) => m.content)).toEqual(["again"]);
    });

    it("deletes a session with its messages", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      await storage.appendMessages(r.sessionId, [makeMessage(r.sessionId)]);
      expect(await storage.deleteSession(r.sessionId)).toBe(true);
      expect(await storage.getSession(r.sessionId)).toBeNull();
      await expect(storage.getMessages(r.sessionId)).rejects.toThrow(SessionNotFoundError);
      const listed = await storage.listSessions({ userId: r.userId, limit: 1000 });
      expect(listed.sessions.map((s) => s.sessionId)).not.toContain(r.sessionId);
    });

    it("updates fields and merges context and metadata, also concurrently", async () => {
      const r = makeRecord({ context: { keep: 1 }, metadata: { m: 1 } });
      await storage.createSession(r);
      const updated = await storage.updateSession(r.sessionId, {
        status: "paused",
        name: "renamed",
        providerSessionId: "conv_1",
        mergeContext: { added: "x" },
      });
      expect(updated).toMatchObject({
        status: "paused",
        name: "renamed",
        providerSessionId: "conv_1",
      });
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          storage.updateSession(r.sessionId, { mergeContext: { [`k${i}`]: i } }),
        ),
      );
      const s = (await storage.getSession(r.sessionId))!;
      expect(Object.keys(s.context).sort()).toEqual(
        ["added", "keep", ...Array.from({ length: 10 }, (_, i) => `k${i}`)].sort(),
      );
      expect(s.metadata).toEqual({ m: 1 });
    });

    it("lists a user's sessions newest activity first, filtered by status, paged by cursor", async () => {
      const userId = `lister-${Math.random()}`;
      const base = Date.UTC(2026, 0, 1);
      const records = Array.from({ length: 7 }, (_, i) =>
        makeRecord({
          userId,
          status: i % 3 === 0 ? "archived" : "active",
          lastActivity: new Date(base + (i % 4) * 1000), // ties on purpose
        }),
      );
      for (const rec of records) await storage.createSession(rec);
      await storage.createSession(makeRecord({ userId: `${userId}-other` }));
      const seen: string[] = [];
      let page = await storage.listSessions({ userId, limit: 3 });
      for (;;) {
        seen.push(...page.sessions.map((s) => s.sessionId));
        if (!page.next) break;
        page = await storage.listSessions({ userId, limit: 3, after: page.next });
      }
      const expected = [...records]
        .sort(
          (a, b) =>
            b.lastActivity.getTime() - a.lastActivity.getTime() ||
            (a.sessionId < b.sessionId ? 1 : -1),
        )
        .map((s) => s.sessionId);
      expect(seen).toEqual(expected);
      const archived = await storage.listSessions({ userId, status: "archived", limit: 10 });
      expect(archived.sessions.map((s) => s.status)).toEqual(["archived", "archived", "archived"]);
      const old = await storage.listSessions({
        userId,
        inactiveBefore: new Date(base + 1000),
        limit: 10,
      });
      expect(old.sessions).toHaveLength(2);
    });

    it("keeps every message of concurrent appends, each batch contiguous", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          storage.appendMessages(
            r.sessionId,
            [
              makeMessage(r.sessionId, { content: `q${i}` }),
              makeMessage(r.sessionId, { role: "assistant", content: `a${i}` }),
            ],
            counters(1),
          ),
        ),
      );
      const all = await storage.getMessages(r.sessionId);
      expect(all).toHaveLength(200);
      for (let i = 0; i < 200; i += 2)
        expect(all[i + 1]!.content).toBe(`a${all[i]!.content.slice(1)}`);
      expect(new Set(all.map((m) => m.content)).size).toBe(200);
      expect((await storage.getSession(r.sessionId))!.messageCount).toBe(200);
    });

    it("stores a message under the session it was added to, whatever its sessionId says", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      await storage.addMessage(r.sessionId, makeMessage("someone-else"));
      await storage.appendMessages(r.sessionId, [makeMessage("another-one")]);
      const read = await storage.getMessages(r.sessionId);
      expect(read.map((m) => m.sessionId)).toEqual([r.sessionId, r.sessionId]);
    });

    it("keeps message times from year 0001 to 9999 UTC and refuses any outside", async () => {
      const r = makeRecord();
      await storage.createSession(r);
      const edges = ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"].map(
        (iso) => new Date(iso),
      );
      await storage.appendMessages(
        r.sessionId,
        edges.map((timestamp) => makeMessage(r.sessionId, { timestamp })),
      );
      const outside = [
        new Date(-8.64e15), // the earliest JS Date, far before what Postgres can store
        new Date("0000-12-31T23:59:59.999Z"),
        new Date("+010000-01-01T00:00:00.000Z"),
        new Date(8.64e15),
      ];
      for (const timestamp of outside) {
        const error = await storage
          .addMessage(r.sessionId, makeMessage(r.sessionId, { timestamp }))
          .catch((e: unknown) => e);
        expect(error, timestamp.toISOString()).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe("timestamp");
      }
      const read = await storage.getMessages(r.sessionId);
      expect(read.map((m) => m.timestamp)).toEqual(edges);
    });

    it("orders equal-activity session ids by code point (UTF-8 bytes), in pages too", async () => {
      const userId = `ids-${Math.random()}`;
      const at = new Date(Date.UTC(2026, 0, 1));
      const prefix = `${Math.random()}-`;
      // UTF-16 code units would put the astral emoji (a surrogate pair) before U+FF5E.
      const expected = ["\u{1F600}", "\uFF5E", "\uE000", "é", "~", "a"].map((c) => prefix + c);
      for (const sessionId of [...expected].reverse()) {
        await storage.createSession(makeRecord({ sessionId, userId, lastActivity: at }));
      }
      const all = await storage.listSessions({ userId, limit: 100 });
      expect(all.sessions.map((s) => s.sessionId)).toEqual(expected);
      const paged: string[] = [];
      let page = await storage.listSessions({ userId, limit: 1 });
      for (;;) {
        paged.push(...page.sessions.map((s) => s.sessionId));
        if (!page.next) break;
        page = await storage.listSessions({ userId, limit: 1, after: page.next });
      }
      expect(paged).toEqual(expected);
    });

    it("refuses every call after close() with a StorageError, used or not", async () => {
      for (const use of [true, false]) {
        const closing = await options.create();
        const r = makeRecord();
        if (use) await closing.createSession(r);
        await closing.close();
        for (const [name, call] of everyCall(closing, r.sessionId)) {
          const error = await call().catch((e: unknown) => e);
          expect(error, `${name} (used: ${use})`).toBeInstanceOf(StorageError);
          expect((error as Error).message).toMatch(/closed/);
        }
        await closing.close(); // closing twice is harmless
      }
    });

    describeInputChecks(() => storage);
    describeExactTimes(() => storage);
    describeCleanup(() => storage);
    describeWriteChecks(() => storage);
    describeLookupChecks(() => storage);

    it("reports its usage", async () => {
      const u = await storage.getMemoryUsage();
      expect(u.backend).toBe(storage.name);
      expect(u.sessions).toBeGreaterThan(5);
      expect(u.messages).toBeGreaterThan(200);
    });

    it("has exactly the turn-lease capability it declares", () => {
      expect(isTurnLeaseStorage(storage)).toBe(options.turnLeases ?? true);
    });

    if (options.turnLeases !== false) describeTurnLeases(() => storage);
  });
}

/** Each operation of the storage contract, as a call on session `id`. */
function everyCall(s: SessionStorage, id: string): [string, () => Promise<unknown>][] {
  const calls: [string, () => Promise<unknown>][] = [
    ["createSession", () => s.createSession(makeRecord())],
    ["getSession", () => s.getSession(id)],
    ["updateSession", () => s.updateSession(id, { status: "paused" })],
    ["deleteSession", () => s.deleteSession(id)],
    ["listSessions", () => s.listSessions({ limit: 10 })],
    ["appendMessages", () => s.appendMessages(id, [makeMessage(id)])],
    ["addMessage", () => s.addMessage(id, makeMessage(id))],
    ["getMessages", () => s.getMessages(id)],
    ["clearMessages", () => s.clearMessages(id)],
    ["getMemoryUsage", () => s.getMemoryUsage()],
  ];
  if (isTurnLeaseStorage(s)) {
    calls.push(["acquireTurnLease", () => s.acquireTurnLease(id, "h", 1000)]);
    calls.push(["releaseTurnLease", () => s.releaseTurnLease(id, "h")]);
  }
  return calls;
}

function counters(inputTokens = 0) {
  return { usage: usage(inputTokens, 0), costUsd: 0, at: new Date() };
}
