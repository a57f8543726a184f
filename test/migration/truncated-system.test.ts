import { afterAll, describe, expect, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { v1Message, writeV1 } from "./fix-helpers.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { storedIds, tempDir } from "./helpers.js";

const tmp = tempDir("mig-truncated-system-");
afterAll(tmp.cleanup);
const UTC = { timezone: "UTC" } as const;
const resaved = "2024-03-05T11:00:00.000001";

// truncate_to_limit = system_messages + messages[-(limit - n_system):]: every system message
// moves to the front, also one that was added mid-conversation, and one in the tail is written
// twice.
describe("V1 truncated a session with more than one system message", () => {
  const S = v1Message("sys", "system", 0);
  const u1 = v1Message("u1", "user", 1);
  const a1 = v1Message("a1", "assistant", 2);
  const M = v1Message("mid", "system", 3);
  const u2 = v1Message("u2", "user", 4);
  const a2 = v1Message("a2", "assistant", 5);
  const u3 = v1Message("u3", "user", 6);

  it("verify finds no difference when the system messages moved to the front", async () => {
    const src = tmp.path("moved.db");
    const dst = tmp.path("moved-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1, M, u2, a2] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // truncate_to_limit(4) = [S, M] + newest 2
    writeV1(src, [{ session_id: "s1", messages: [S, M, u2, a2], truncated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 0 });
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v.differences).toEqual([]);
    expect(v).toMatchObject({ ok: true, matchingSessions: 1 });
  });

  it("a re-run appends V1's new turn after such a truncation, and verifies", async () => {
    const src = tmp.path("gained.db");
    const dst = tmp.path("gained-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1, M, u2, a2] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // truncate_to_limit(6) = [S, M] + [a1, M, u2, a2] (M twice), then a new turn.
    const now = [S, M, a1, M, u2, a2, u3];
    writeV1(src, [{ session_id: "s1", messages: now, truncated_at: resaved, updated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/changed in V2/);
    expect(r).toMatchObject({ migratedMessages: 1, unmigratedMessages: 0 });
    expect(await storedIds(dst)).toEqual(["sys", "u1", "a1", "mid", "u2", "a2", "u3"]);
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v).toMatchObject({ ok: true, differences: [] });
  });

  it("verify still flags a message of V1's that V2 lost between two others", async () => {
    const src = tmp.path("lost.db");
    const dst = tmp.path("lost-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1, M, u2, a2] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // V1 now has u1 next to u2: V2 holds a1 and mid between them, and a1 is no system message.
    writeV1(src, [{ session_id: "s1", messages: [S, M, u1, u2, a2], truncated_at: resaved }]);
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v.ok).toBe(false);
  });
});

describe("verify on a V1 session that was never truncated", () => {
  it("flags a message planted in V2 before V1's first message", async () => {
    const src = tmp.path("planted.db");
    const dst = tmp.path("planted-v2.db");
    writeV1(src, [
      { session_id: "s1", messages: [v1Message("u1", "user", 1), v1Message("a1", "assistant", 2)] },
    ]);
    await migrateV1({ source: src, target: dst, ...UTC });
    const s = sqliteStorage({ dbPath: dst });
    const record = (await s.getSession("s1"))!;
    const messages = await s.getMessages("s1");
    await s.deleteSession("s1");
    await s.createSession({ ...record, messageCount: 0 });
    const planted = { ...messages[0]!, messageId: "planted", content: "injected", metadata: {} };
    await s.appendMessages("s1", [planted, ...messages]);
    await s.close();
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v.ok).toBe(false);
    expect(v.differences[0]).toMatchObject({ sessionId: "s1", problem: "content" });
  });
});

/**
 * V1 gained a system message (plus a turn) after the migration and then ran truncate_to_limit,
 * which moves every system message to the front. Nothing touched the V2 session, yet the re-run
 * refused to append V1's new messages, called the session "changed in V2" and left them out.
 * docs/migration.md §3 "Re-running is safe": truncate_to_limit "keeps every system message
 * first, also one added mid-conversation … V1's remaining messages are appended after it".
 */
it("appends a system message V1 added after the migration and the turn after it, when V1 then truncated", async () => {
  const S = v1Message("sys", "system", 0);
  const u1 = v1Message("u1", "user", 1);
  const a1 = v1Message("a1", "assistant", 2);
  const u2 = v1Message("u2", "user", 3);
  const a2 = v1Message("a2", "assistant", 4);
  const M = v1Message("mid", "system", 5); // added in V1 after the migration
  const u3 = v1Message("u3", "user", 6);
  const a3 = v1Message("a3", "assistant", 7);
  const src = tmp.path("v1.db");
  const dst = tmp.path("v2.db");
  writeV1(src, [{ session_id: "s1", messages: [S, u1, a1, u2, a2] }]);
  await migrateV1({ source: src, target: dst, ...UTC });

  // V1 continues: [S,u1,a1,u2,a2,M,u3,a3]; truncate_to_limit(6) = [S, M] + newest 4 [a2,M,u3,a3]
  const later = "2024-03-04T09:01:00.000001";
  writeV1(src, [
    { session_id: "s1", messages: [S, M, a2, M, u3, a3], truncated_at: later, updated_at: later },
  ]);
  const r = await migrateV1({ source: src, target: dst, ...UTC });

  // V2 was never used: nothing there "changed in V2".
  expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/changed in V2/);
  expect(r).toMatchObject({ unmigratedMessages: 0, migratedMessages: 3 });
  expect(await storedIds(dst)).toEqual(["sys", "u1", "a1", "u2", "a2", "mid", "u3", "a3"]);
  const v = await verifyMigration({ source: src, target: dst, ...UTC });
  expect(v.differences).toEqual([]);
});

describe("V1 gained a system message after the migration, then truncated", () => {
  const S = v1Message("sys", "system", 0);
  const u1 = v1Message("u1", "user", 1);
  const a1 = v1Message("a1", "assistant", 2);
  const M = v1Message("mid", "system", 3);
  const u2 = v1Message("u2", "user", 4);
  const a2 = v1Message("a2", "assistant", 5);

  it("appends it with V1's newest when truncation dropped all V2 has after the system prompt", async () => {
    const src = tmp.path("new-sys.db");
    const dst = tmp.path("new-sys-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // [S,u1,a1,M,u2,a2] truncated to 4: [S, M] + newest 2; M is not among them.
    writeV1(src, [
      { session_id: "s1", messages: [S, M, u2, a2], truncated_at: resaved, updated_at: resaved },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ migratedMessages: 3, unmigratedMessages: 0, warnings: [] });
    expect(await storedIds(dst)).toEqual(["sys", "u1", "a1", "mid", "u2", "a2"]);
    expect(await verifyMigration({ source: src, target: dst, ...UTC })).toMatchObject({
      ok: true,
      matchingSessions: 1,
    });
    const again = await migrateV1({ source: src, target: dst, ...UTC });
    expect(again).toMatchObject({ skippedSessions: 1, migratedMessages: 0 });
  });

  it("still leaves the session alone when V2 continued it", async () => {
    const src = tmp.path("new-sys-used.db");
    const dst = tmp.path("new-sys-used-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    const s = sqliteStorage({ dbPath: dst });
    const turn = { sessionId: "s1", role: "user", content: "v2", metadata: {} } as const;
    await s.appendMessages("s1", [{ ...turn, messageId: "v2-1", timestamp: new Date() }]);
    await s.close();
    writeV1(src, [
      { session_id: "s1", messages: [S, M, u2, a2], truncated_at: resaved, updated_at: resaved },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 3 });
    expect(r.warnings[0]!.warning).toMatch(/holds messages V1 does not have/);
    expect(await storedIds(dst)).toEqual(["sys", "u1", "a1", "v2-1"]);
  });
});
