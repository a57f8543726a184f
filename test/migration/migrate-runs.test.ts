import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageError, ValidationError } from "../../src/errors.js";
import { MigrationAbortedError, migrateV1 } from "../../src/migration/index.js";
import { targetSessionId } from "../../src/migration/convert.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";
import { dumpTarget, tempDir } from "./helpers.js";
import { CORRUPT_COUNT, GOOD_COUNT, buildCaseDatabase } from "./v1-cases.js";
import { generateV1Database } from "./v1-fixture.js";

const tmp = tempDir("lss-migrate-runs-");
afterAll(tmp.cleanup);
const TZ = "Europe/Oslo";
const source = tmp.path("v1.db");
const target = tmp.path("v2.db");
let storage: SessionStorage;

beforeAll(async () => {
  buildCaseDatabase(source);
  await migrateV1({ source, target, timezone: TZ });
  storage = sqliteStorage({ dbPath: target });
});
afterAll(() => storage.close());

describe("migrateV1 runs", () => {
  it("is idempotent: a second run skips everything and changes nothing", async () => {
    const before = dumpTarget(target);
    const again = await migrateV1({ source, target, timezone: TZ });
    expect(again).toMatchObject({
      migratedSessions: 0,
      skippedSessions: GOOD_COUNT,
      failedSessions: CORRUPT_COUNT,
      migratedMessages: 0,
    });
    expect(dumpTarget(target)).toEqual(before);
  });

  it("dry run reads and converts everything but does not create the target", async () => {
    const dry = tmp.path("dry.db");
    const r = await migrateV1({ source, target: dry, dryRun: true, timezone: TZ });
    expect(r).toMatchObject({
      dryRun: true,
      migratedSessions: GOOD_COUNT,
      failedSessions: CORRUPT_COUNT,
    });
    expect(existsSync(dry)).toBe(false);
  });

  it("renews ids stably, and applies a user provider map over the defaults", async () => {
    const renewed = tmp.path("renew.db");
    const options = {
      source,
      target: renewed,
      timezone: TZ,
      sessionIds: "renew" as const,
      providerMap: { mistral: "openai-compatible" },
    };
    const r = await migrateV1(options);
    expect(r.unknownProviders).toEqual(["gemini"]);
    expect((await migrateV1(options)).skippedSessions).toBe(GOOD_COUNT);
    const id = targetSessionId("session_expired", "renew");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const s = sqliteStorage({ dbPath: renewed });
    try {
      const record = await s.getSession(id);
      expect(record).toMatchObject({
        provider: "openai-compatible",
        metadata: { v1SessionId: "session_expired" },
      });
      expect((await s.getMessages(id))[0]!.sessionId).toBe(id);
    } finally {
      await s.close();
    }
  });

  it("refuses bad options with a ValidationError naming the field, before touching anything", async () => {
    await expect(
      migrateV1({ source, target: tmp.path("x.db"), batchSize: 0 }),
    ).rejects.toMatchObject({
      field: "batchSize",
    });
    await expect(
      migrateV1({ source, target: tmp.path("x.db"), timezone: "Nowhere/City" }),
    ).rejects.toMatchObject({
      field: "timezone",
    });
    await expect(
      migrateV1({ source: tmp.path("missing.db"), target: tmp.path("x.db") }),
    ).rejects.toThrow(ValidationError);
    await expect(migrateV1({ source, target: source })).rejects.toMatchObject({ field: "target" });
    expect(existsSync(tmp.path("x.db"))).toBe(false);
  });

  it("reports a session whose id is taken by an unrelated V2 session, and migrates the rest", async () => {
    const path = tmp.path("taken.db");
    const s = sqliteStorage({ dbPath: path });
    const now = new Date();
    await s.createSession({
      ...(await storage.getSession("session_empty"))!,
      metadata: {},
      createdAt: now,
      updatedAt: now,
      lastActivity: now,
    });
    const r = await migrateV1({ source, target: s, timezone: TZ });
    await s.close();
    expect(r.errors.map((e) => e.sessionId)).toContain("session_empty");
    expect(r.migratedSessions).toBe(GOOD_COUNT - 1);
  });

  it("stops when the target goes down at any write; the next run ends as an uninterrupted one", async () => {
    const expected = dumpTarget(target);
    let writes = 0;
    for (let failAt = 1; ; failAt++) {
      const path = tmp.path(`resume-${failAt}.db`);
      const real = sqliteStorage({ dbPath: path });
      let count = 0;
      let down = false;
      const write = <T>(fn: () => Promise<T>): Promise<T> => {
        if (++count === failAt) down = true;
        return down ? crash() : fn();
      };
      const failing: SessionStorage = {
        ...real,
        createSession: (r) => write(() => real.createSession(r)),
        appendMessages: (id, m, c) => write(() => real.appendMessages(id, m, c)),
        getSession: (id) => (down ? crash() : real.getSession(id)),
        getMessages: (id, o) => (down ? crash() : real.getMessages(id, o)),
      };
      const first = await migrateV1({ source, target: failing, timezone: TZ }).catch(
        (e: unknown) => e,
      );
      const second = await migrateV1({ source, target: real, timezone: TZ });
      await real.close();
      expect(dumpTarget(path)).toEqual(expected);
      expect(second.failedSessions).toBe(CORRUPT_COUNT);
      if (!down) {
        expect(first).toMatchObject({ migratedSessions: GOOD_COUNT });
        writes = count; // every write position has been tried
        break;
      }
      expect(first).toBeInstanceOf(MigrationAbortedError);
      expect((first as MigrationAbortedError).message).toMatch(
        /^\[session\] \[sqlite\] migration stopped: (?!\[session\])/,
      );
      expect((first as MigrationAbortedError).report.migratedSessions).toBeLessThan(GOOD_COUNT);
      expect(second.skippedSessions + second.migratedSessions).toBe(GOOD_COUNT);
    }
    expect(writes).toBeGreaterThan(GOOD_COUNT);
  });

  it("reports a write the target refuses for one row and goes on; the next run completes it", async () => {
    const path = tmp.path("refused.db");
    const real = sqliteStorage({ dbPath: path });
    const refusing: SessionStorage = {
      ...real,
      appendMessages: (id, m, c) =>
        id === "session_huge" ? crash() : real.appendMessages(id, m, c),
      getSession: (id) => real.getSession(id),
      getMessages: (id, o) => real.getMessages(id, o),
      createSession: (r) => real.createSession(r),
    };
    const first = await migrateV1({ source, target: refusing, timezone: TZ });
    expect(first.errors).toContainEqual({
      sessionId: "session_huge",
      error: expect.stringMatching(/simulated crash/),
    });
    expect(first.migratedSessions).toBe(GOOD_COUNT - 1);
    const second = await migrateV1({ source, target: real, timezone: TZ });
    await real.close();
    expect(second).toMatchObject({ migratedSessions: 1, migratedMessages: 2 });
    expect(dumpTarget(path)).toEqual(dumpTarget(target));
  });

  it("migrates a generated database with a flat page size and reports progress", async () => {
    const gen = tmp.path("gen.db");
    generateV1Database(gen, { sessions: 300, messagesPerSession: 20 });
    const seen: number[] = [];
    const r = await migrateV1({
      source: gen,
      target: tmp.path("gen-v2.db"),
      batchSize: 7,
      timezone: TZ,
      onProgress: (p) => seen.push(p.processedSessions),
    });
    expect(r).toMatchObject({
      totalSessions: 300,
      migratedSessions: 300,
      failedSessions: 0,
      migratedMessages: 6000,
    });
    expect(r.unknownProviders).toEqual(["mistral"]);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });
});

function crash(): Promise<never> {
  return Promise.reject(new StorageError("sqlite", "simulated crash"));
}
