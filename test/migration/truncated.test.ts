import { afterAll, describe, expect, inject, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { v1Message, v1Messages, writeV1 } from "./fix-helpers.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { storedIds, tempDir } from "./helpers.js";
import { freshDatabase } from "../helpers/postgres.js";

const tmp = tempDir("mig-truncated-");
afterAll(tmp.cleanup);
const UTC = { timezone: "UTC" } as const;
const resaved = "2024-03-05T11:00:00.000001";

describe("V1 truncated its oldest messages after the migration", () => {
  it("appends what V1 gained after V2's last message and verifies", async () => {
    const src = tmp.path("a3.db");
    const dst = tmp.path("a3-v2.db");
    const m = v1Messages(6);
    writeV1(src, [{ session_id: "s1", messages: m }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    const gained = { id: "m9", role: "user", content: "new", timestamp: "2024-03-04T09:00:09" };
    const truncated = [...m.slice(4), gained];
    writeV1(src, [
      { session_id: "s1", messages: truncated, truncated_at: resaved, updated_at: resaved },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 1, unmigratedMessages: 0 });
    expect(r.warnings).toEqual([]);
    expect(await storedIds(dst)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m9"]);
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v).toMatchObject({ ok: true, matchingSessions: 1, continued: [] });
  });

  it("treats a V1 that only shrank as up to date, not continued", async () => {
    const src = tmp.path("a4.db");
    const dst = tmp.path("a4-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(6) }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    writeV1(src, [{ session_id: "s1", messages: v1Messages(6).slice(3), updated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 0, warnings: [] });
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v).toMatchObject({ ok: true, matchingSessions: 1, continued: [] });
  });

  it("still leaves a session alone that V2 continued after the shared messages", async () => {
    const src = tmp.path("v2.db");
    const dst = tmp.path("v2-v2.db");
    const m = v1Messages(4);
    writeV1(src, [{ session_id: "s1", messages: m }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    const s = sqliteStorage({ dbPath: dst });
    const turn = { sessionId: "s1", role: "user", content: "v2", metadata: {} } as const;
    await s.appendMessages("s1", [{ ...turn, messageId: "v2-1", timestamp: new Date() }]);
    await s.close();
    const gained = { id: "m9", role: "user", content: "new", timestamp: "2024-03-04T09:00:09" };
    writeV1(src, [{ session_id: "s1", messages: [...m.slice(2), gained], updated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 1 });
    expect(r.warnings[0]!.warning).toMatch(/holds messages V1 does not have/);
    expect(await storedIds(dst)).toEqual(["m0", "m1", "m2", "m3", "v2-1"]);
  });
});

describe("V1 truncated a session whose message ids repeat (v1-format §7.5)", () => {
  const t = (s: number): string => `2024-03-04T09:00:0${s}.000001`;

  it("finds the system message truncation copied in V2, as one message", async () => {
    const src = tmp.path("copy.db");
    const dst = tmp.path("copy-v2.db");
    const u1 = { id: "u1", role: "user", content: "hi", timestamp: t(1) };
    const a1 = { id: "a1", role: "assistant", content: "hello", timestamp: t(2) };
    const s2 = { id: "s2", role: "system", content: "be brief", timestamp: t(3) };
    const u2 = { id: "u2", role: "user", content: "and?", timestamp: t(4) };
    writeV1(src, [{ session_id: "s1", messages: [u1, a1, s2, u2] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // truncate_to_limit(3): the system messages first, then the newest two, s2 among them.
    const truncated = [s2, s2, u2];
    writeV1(src, [{ session_id: "s1", messages: truncated, truncated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 0 });
    expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/changed in V2/);
    expect(await storedIds(dst)).toEqual(["u1", "a1", "s2", "u2"]);
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v).toMatchObject({ ok: true, matchingSessions: 1 });
  });

  it("keeps the names of `<provider>_unknown` replies across a truncation, so V1's new turn comes over", async () => {
    const src = tmp.path("unknown.db");
    const dst = tmp.path("unknown-v2.db");
    const m = (id: string, role: string, s: number) => ({
      id,
      role,
      content: `${id}@${s}`,
      timestamp: t(s),
    });
    const turn = (n: number) => [
      m(`u${n}`, "user", 2 * n),
      m("claude_unknown", "assistant", 2 * n + 1),
    ];
    writeV1(src, [{ session_id: "s1", provider: "claude", messages: [1, 2, 3].flatMap(turn) }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    const before = await storedIds(dst);
    // truncate_to_limit(4) kept the newest four, then one more turn.
    const now = [2, 3, 4].flatMap(turn);
    writeV1(src, [{ session_id: "s1", provider: "claude", messages: now, truncated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 2, unmigratedMessages: 0 });
    const after = await storedIds(dst);
    expect(after.slice(0, 6)).toEqual(before); // nothing renamed
    expect(after).toHaveLength(8);
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v).toMatchObject({ ok: true, matchingSessions: 1 });
  });
});

// V1's truncate_to_limit keeps *all* system messages first, then the newest (limit - n_system):
// with a system prompt at the start (the usual agent session) the dropped messages are in the
// middle, not a prefix.
describe("V1 truncated a session whose system prompt it keeps at the front", () => {
  const S = v1Message("sys", "system", 0);
  const u1 = v1Message("u1", "user", 1);
  const a1 = v1Message("a1", "assistant", 2);
  const u2 = v1Message("u2", "user", 3);
  const a2 = v1Message("a2", "assistant", 4);
  const u3 = v1Message("u3", "user", 5);
  const a3 = v1Message("a3", "assistant", 6);

  it("verify passes after V1 truncated (system prompt kept) and nothing else changed", async () => {
    const src = tmp.path("v.db");
    const dst = tmp.path("v-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1, u2, a2] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // truncate_to_limit(3): [sys] + newest 2
    writeV1(src, [{ session_id: "s1", messages: [S, u2, a2], truncated_at: resaved }]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 0 });
    const v = await verifyMigration({ source: src, target: dst, ...UTC });
    expect(v.differences).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it("a re-run appends what V1 gained when truncation dropped everything after the system prompt", async () => {
    const src = tmp.path("g.db");
    const dst = tmp.path("g-v2.db");
    writeV1(src, [{ session_id: "s1", messages: [S, u1, a1] }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    // V1 kept running: two more turns, then truncate_to_limit(3) = [sys] + newest 2.
    writeV1(src, [
      {
        session_id: "s1",
        messages: [S, u3, a3],
        truncated_at: resaved,
        updated_at: resaved,
      },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/changed in V2/);
    expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 2, unmigratedMessages: 0 });
    expect(await storedIds(dst)).toEqual(["sys", "u1", "a1", "u3", "a3"]);
  });

  it("a re-run after V1 truncated twice (the copied system message counted as system) appends the new turn", async () => {
    // V1: [u1, a1, S2, u2, a2] -> truncate(4) = [S2, S2, u2, a2] (copy) -> migrated -> new turn
    // u3 a3 -> truncate(4): system messages [S2, S2] first + newest 2 = [S2, S2, u3, a3].
    const src = tmp.path("c.db");
    const dst = tmp.path("c-v2.db");
    const S2 = v1Message("s2", "system", 3);
    writeV1(src, [{ session_id: "s1", messages: [S2, S2, u2, a2], truncated_at: resaved }]);
    await migrateV1({ source: src, target: dst, ...UTC });
    expect(await storedIds(dst)).toEqual(["s2", "u2", "a2"]);
    writeV1(src, [
      { session_id: "s1", messages: [S2, S2, u3, a3], truncated_at: resaved, updated_at: resaved },
    ]);
    const r = await migrateV1({ source: src, target: dst, ...UTC });
    expect(r.warnings.map((w) => w.warning).join("\n")).not.toMatch(/changed in V2/);
    expect(r).toMatchObject({ migratedMessages: 2, unmigratedMessages: 0 });
  });
});

describe("V1 changed a session after it was migrated, without new messages", () => {
  for (const kind of ["sqlite", "postgres"] as const) {
    it(`a re-run brings V1's archive over to ${kind}, so verify passes`, async () => {
      const src = tmp.path(`archived-${kind}.db`);
      const dst =
        kind === "sqlite"
          ? tmp.path(`archived-${kind}-v2.db`)
          : await freshDatabase(inject("postgresUrl"));
      const m = v1Messages(4);
      writeV1(src, [{ session_id: "s1", messages: m }]);
      await migrateV1({ source: src, target: dst, ...UTC });
      writeV1(src, [{ session_id: "s1", messages: m, status: "archived", updated_at: resaved }]);
      const r = await migrateV1({ source: src, target: dst, ...UTC });
      expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 0, unmigratedMessages: 0 });
      const v = await verifyMigration({ source: src, target: dst, ...UTC });
      expect(v).toMatchObject({ ok: true, differences: [] });
      // Untouched in V2 since: a third run finds nothing to do.
      const again = await migrateV1({ source: src, target: dst, ...UTC });
      expect(again).toMatchObject({ skippedSessions: 1, migratedSessions: 0 });
    });
  }
});
