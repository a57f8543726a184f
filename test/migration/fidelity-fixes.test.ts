import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { V1Clock } from "../../src/migration/v1-time.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { v1Message, v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("mig-fidelity-");
afterAll(tmp.cleanup);
const TZ = "Europe/Oslo";
const at = (s: number) => `2024-03-04T09:00:0${s}.000001`;

describe("message metadata", () => {
  it("keeps every V1 metadata key; the converter's facts go under v1 (or __v1migration)", async () => {
    const src = tmp.path("meta.db");
    const dst = tmp.path("meta-v2.db");
    const own = { v1Timestamp: "APP VALUE", v1MessageId: "APP ID", v1ContentNull: false };
    writeV1(src, [
      {
        session_id: "s_meta",
        messages: [
          { id: "m1", role: "user", content: "a", timestamp: at(0), metadata: own },
          { id: "m1", role: "user", content: "b", timestamp: at(1), metadata: { v1: "mine" } },
        ],
      },
    ]);
    expect((await migrateV1({ source: src, target: dst, timezone: TZ })).migratedSessions).toBe(1);
    const s = sqliteStorage({ dbPath: dst });
    const msgs = await s.getMessages("s_meta");
    await s.close();
    expect(msgs[0]!.metadata).toEqual({ ...own, v1: { timestamp: at(0) } });
    expect(msgs[1]!.metadata).toEqual({
      v1: "mine",
      __v1migration: { timestamp: at(1), messageId: "m1" },
    });
  });
});

describe("values V2 cannot hold", () => {
  it("fails a session whose content has a lone surrogate, naming the message", async () => {
    const src = tmp.path("sur.db");
    const dst = tmp.path("sur-v2.db");
    const content = "broken emoji \ud83d end";
    writeV1(src, [
      { session_id: "s_sur", messages: [{ id: "m1", role: "user", content, timestamp: at(0) }] },
    ]);
    const r = await migrateV1({ source: src, target: dst, timezone: TZ });
    expect(r).toMatchObject({ migratedSessions: 0, failedSessions: 1 });
    expect(r.errors[0]!.error).toMatch(/"m1" is not valid Unicode/);
  });

  it("fails a session whose user id no V2 storage takes (blank, over 256), alike in a dry run", async () => {
    const src = tmp.path("users.db");
    writeV1(src, [
      { session_id: "s_long", user_id: "u".repeat(257), messages: v1Messages(2) },
      { session_id: "s_blank", user_id: "  ", messages: v1Messages(2) },
      { session_id: "s_ok", user_id: "u".repeat(256), messages: v1Messages(2) },
    ]);
    for (const dryRun of [true, false]) {
      const r = await migrateV1({
        source: src,
        target: tmp.path("users-v2.db"),
        timezone: TZ,
        dryRun,
      });
      expect(r).toMatchObject({ migratedSessions: 1, failedSessions: 2 });
      expect(r.errors.map((e) => e.error)).toEqual([
        expect.stringMatching(/invalid metadata\.user_id: .*256.*; fix it in V1 and re-run/),
        expect.stringMatching(/invalid metadata\.user_id: must not be empty; fix it in V1/),
      ]);
    }
  });

  it("fails session ids V2 cannot open and suggests --renew-ids", async () => {
    const src = tmp.path("ids.db");
    const dst = tmp.path("ids-v2.db");
    writeV1(src, [
      { session_id: "x".repeat(257), messages: [] },
      { session_id: " ", messages: [] },
      { session_id: "x".repeat(256), messages: [] },
    ]);
    const r = await migrateV1({ source: src, target: dst, timezone: TZ });
    expect(r).toMatchObject({ migratedSessions: 1, failedSessions: 2 });
    for (const e of r.errors) expect(e.error).toMatch(/--renew-ids/);
    const renewed = await migrateV1({
      source: src,
      target: tmp.path("ids-renew.db"),
      timezone: TZ,
      sessionIds: "renew",
    });
    expect(renewed).toMatchObject({ migratedSessions: 3, failedSessions: 0 });
    const m = createSessionManager({ storage: "sqlite", storageConfig: { dbPath: dst } });
    await expect(m.getSession("x".repeat(256))).resolves.toBeDefined();
    await m.close();
  });

  it("parses years below 100 (Python's datetime.min)", () => {
    for (const tz of ["UTC", TZ]) {
      const c = new V1Clock(tz);
      expect(c.parse("0001-01-01T00:00:00Z")?.toISOString()).toBe("0001-01-01T00:00:00.000Z");
      expect(c.parse("0099-06-01T00:00:00+00:00")?.toISOString()).toBe("0099-06-01T00:00:00.000Z");
    }
    expect(new V1Clock("UTC").parse("0001-01-01T00:00:00")?.toISOString()).toBe(
      "0001-01-01T00:00:00.000Z",
    );
    expect(new V1Clock("UTC").parse("0099-02-29T00:00:00")).toBeNull();
  });
});

describe("warnings", () => {
  it("does not warn for message_count lagging one per assistant reply", async () => {
    const src = tmp.path("w.db");
    writeV1(src, [
      { session_id: "lag", message_count: 2, messages: v1Messages(4) },
      { session_id: "off", message_count: 1, messages: v1Messages(4) },
    ]);
    const r = await migrateV1({ source: src, target: tmp.path("w2.db"), dryRun: true });
    expect(r.warnings.map((w) => w.sessionId)).toEqual(["off"]);
  });
});

describe("verify", () => {
  async function migrated(name: string): Promise<{ src: string; dst: string }> {
    const src = tmp.path(`${name}.db`);
    const dst = tmp.path(`${name}-v2.db`);
    const call = { id: "call_1", function: { arguments: "{}", name: "f" }, type: "function" };
    writeV1(src, [
      {
        session_id: "s_ver",
        user_id: "alice",
        messages: [
          {
            id: "m1",
            role: "assistant",
            content: "",
            timestamp: "2024-03-04T09:00:00.123456",
            tool_calls: [call],
            metadata: { usage: { prompt_tokens: 1 } },
            provider_message_id: "chatcmpl-1",
          },
        ],
      },
    ]);
    await migrateV1({ source: src, target: dst, timezone: TZ });
    return { src, dst };
  }

  function tamper(dst: string, sql: string, ...args: unknown[]): void {
    const db = new Database(dst);
    db.prepare(sql).run(...args);
    db.close();
  }

  it("finds changed timestamps, extras and session fields and names the field", async () => {
    const cases: [string, string, RegExp][] = [
      ["UPDATE messages SET timestamp = 0", "", /message 0: timestamp differs/],
      ["UPDATE messages SET extras = ?", JSON.stringify({ metadata: { x: 1 } }), /message 0: /],
      ["UPDATE sessions SET user_id = 'mallory'", "", /userId differs/],
      ["UPDATE sessions SET status = 'error'", "", /status differs/],
    ];
    for (const [i, [sql, arg, detail]] of cases.entries()) {
      const { src, dst } = await migrated(`tamper${i}`);
      expect((await verifyMigration({ source: src, target: dst, timezone: TZ })).ok).toBe(true);
      if (arg) tamper(dst, sql, arg);
      else tamper(dst, sql);
      const v = await verifyMigration({ source: src, target: dst, timezone: TZ });
      expect(v.ok).toBe(false);
      expect(v.differences[0]!.detail).toMatch(detail);
    }
  });

  it("reports a session continued in V2 as continued, not as a difference", async () => {
    const { src, dst } = await migrated("continued");
    const s = sqliteStorage({ dbPath: dst });
    const later = new Date();
    const msg = {
      messageId: "v2",
      sessionId: "s_ver",
      role: "user" as const,
      content: "more",
      metadata: {},
    };
    await s.appendMessages("s_ver", [{ ...msg, timestamp: later }]);
    await s.close();
    const v = await verifyMigration({ source: src, target: dst, timezone: TZ });
    expect(v).toMatchObject({ ok: true, matchingSessions: 0, differences: [] });
    expect(v.continued).toEqual([{ sessionId: "s_ver", targetSessionId: "s_ver", newMessages: 1 }]);
  });
});

/**
 * The dry run promises to find what a real run refuses ("the dry run and every target refuse the
 * same sessions"). A V1 message whose metadata was nested deeper than V2's storage accepts (100)
 * passed the dry run as "would migrate" but failed the real run.
 */
it("dry run and real run agree on a message whose metadata V2 storage refuses (nesting > 100)", async () => {
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 105; i++) deep = { d: deep };
  const src = tmp.path("v1.db");
  writeV1(src, [
    { session_id: "ok", messages: [v1Message("m0", "user", 0)] },
    { session_id: "deep", messages: [{ ...v1Message("m1", "user", 1), metadata: deep }] },
  ]);
  const dry = await migrateV1({
    source: src,
    target: tmp.path("unused.db"),
    dryRun: true,
    timezone: "UTC",
  });
  const real = await migrateV1({ source: src, target: tmp.path("v2.db"), timezone: "UTC" });
  expect(real.errors.map((e) => e.sessionId)).toEqual(["deep"]); // the real run refuses it
  expect(dry.errors.map((e) => e.sessionId)).toEqual(real.errors.map((e) => e.sessionId));
  expect(dry.migratedSessions).toBe(real.migratedSessions);
});
