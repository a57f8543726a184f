import { afterAll, describe, expect, it } from "vitest";
import { StorageError } from "../../src/errors.js";
import { convertSession, migrateV1, verifyMigration } from "../../src/migration/index.js";
import { V1Reader } from "../../src/migration/v1-reader.js";
import { V1Clock } from "../../src/migration/v1-time.js";
import { writeConverted } from "../../src/migration/write.js";
import { memoryStorage } from "../../src/storage/memory.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("mig-resume-record-");
afterAll(tmp.cleanup);

async function inV2(path: string, id: string) {
  const s = sqliteStorage({ dbPath: path });
  try {
    const record = await s.getSession(id);
    const ids = record ? (await s.getMessages(id)).map((m) => m.messageId) : [];
    return { record, ids };
  } finally {
    await s.close();
  }
}

describe("resuming a session V1 kept using", () => {
  it("brings the record up to V1's state when appending, so verify passes", async () => {
    const src = tmp.path("a1.db");
    const dst = tmp.path("a1-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(2) }]);
    await migrateV1({ source: src, target: dst, timezone: "UTC" });
    const later = { status: "archived", updated_at: "2024-03-05T11:00:00.000001" };
    writeV1(src, [{ session_id: "s1", messages: v1Messages(4), ...later }]);
    const r = await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 2, unmigratedMessages: 0 });
    const { record, ids } = await inV2(dst, "s1");
    expect(ids).toEqual(["m0", "m1", "m2", "m3"]);
    expect(record).toMatchObject({ status: "archived", messageCount: 4 });
    expect(record!.metadata).toMatchObject({ v1Status: "archived", v1Messages: 4 });
    expect(record!.updatedAt.toISOString()).toBe("2024-03-05T11:00:00.000Z");
    expect(record!.lastActivity.getTime()).toBeGreaterThanOrEqual(
      Date.parse("2024-03-04T09:00:03Z"),
    );
    const v = await verifyMigration({ source: src, target: dst, timezone: "UTC" });
    expect(v.differences).toEqual([]);
    expect(v.matchingSessions).toBe(1);
    // The updated record still reads as untouched in V2: a re-run changes nothing.
    const again = await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect(again).toMatchObject({ skippedSessions: 1, unmigratedMessages: 0, warnings: [] });
  });

  it("never renames earlier duplicate ids when V1 adds a literal '<id>~2' later", async () => {
    const src = tmp.path("a2.db");
    const dst = tmp.path("a2-v2.db");
    const m = v1Messages(3);
    m[2] = { ...m[2]!, id: "m0" };
    writeV1(src, [{ session_id: "s1", messages: m }]);
    await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect((await inV2(dst, "s1")).ids).toEqual(["m0", "m1", "m0~2"]);
    const literal = { id: "m0~2", role: "user", content: "lit", timestamp: "2024-03-04T09:00:09" };
    const updated_at = "2024-03-05T11:00:00.000001";
    writeV1(src, [{ session_id: "s1", messages: [...m, literal], updated_at }]);
    const r = await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect(r).toMatchObject({ migratedMessages: 1, unmigratedMessages: 0 });
    expect((await inV2(dst, "s1")).ids).toEqual(["m0", "m1", "m0~2", "m0~2~2"]);
    expect((await verifyMigration({ source: src, target: dst, timezone: "UTC" })).ok).toBe(true);
  });

  it("a keep run after a --renew-ids run finds a session whose V1 id V2 cannot hold", async () => {
    const src = tmp.path("a6.db");
    const dst = tmp.path("a6-v2.db");
    writeV1(src, [{ session_id: "x".repeat(300), messages: v1Messages(2) }]);
    const first = await migrateV1({ source: src, target: dst, sessionIds: "renew" });
    expect(first.migratedSessions).toBe(1);
    const r = await migrateV1({ source: src, target: dst });
    expect(r).toMatchObject({ failedSessions: 0, skippedSessions: 1, errors: [] });
    const v = await verifyMigration({ source: src, target: dst });
    expect(v).toMatchObject({ ok: true, checkedSessions: 1, matchingSessions: 1, unreadable: [] });
    // Without an earlier renew run it still fails, suggesting --renew-ids.
    const fresh = await migrateV1({ source: src, target: tmp.path("a6-fresh.db") });
    expect(fresh.errors[0]!.error).toMatch(/--renew-ids/);
  });
});

describe("a session that cannot be written leaves nothing in V2", () => {
  it("refuses a timestamp V2 cannot store, naming the message, before writing", async () => {
    const src = tmp.path("d2.db");
    const dst = tmp.path("d2-v2.db");
    const m = v1Messages(3);
    m[2] = { ...m[2]!, timestamp: "0001-01-01T00:00:00" }; // before year 1 UTC in Oslo
    writeV1(src, [
      { session_id: "s1", messages: m },
      { session_id: "s2", messages: v1Messages(1) },
    ]);
    const r = await migrateV1({ source: src, target: dst, timezone: "Europe/Oslo" });
    expect(r).toMatchObject({ migratedSessions: 1, failedSessions: 1 });
    expect(r.errors[0]!.error).toMatch(/"m2".*0001 to 9999/);
    expect((await inV2(dst, "s1")).record).toBeNull();
    const v = await verifyMigration({ source: src, target: dst, timezone: "Europe/Oslo" });
    expect(v).toMatchObject({ ok: true, matchingSessions: 1 });
    expect(v.unreadable[0]!.error).toMatch(/"m2"/);
  });

  it("deletes the session it created when appending its messages fails", async () => {
    const src = tmp.path("w.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(2) }]);
    const reader = await V1Reader.open(src);
    const entry = reader.get("s1");
    reader.close();
    if (!entry?.ok) throw new Error("fixture unreadable");
    const options = { clock: new V1Clock("UTC"), sessionIds: "keep", providerMap: {} } as const;
    const c = convertSession(entry.session, options);
    const storage = memoryStorage();
    const failing = Object.create(storage) as typeof storage;
    failing.appendMessages = () => Promise.reject(new StorageError("memory", "disk full"));
    await expect(writeConverted(failing, c)).rejects.toThrow(/disk full/);
    expect(await storage.getSession("s1")).toBeNull();
  });
});
