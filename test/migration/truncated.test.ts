import { afterAll, describe, expect, inject, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";
import { freshDatabase } from "../helpers/postgres.js";

const tmp = tempDir("mig-truncated-");
afterAll(tmp.cleanup);
const UTC = { timezone: "UTC" } as const;
const resaved = "2024-03-05T11:00:00.000001";

async function ids(path: string): Promise<string[]> {
  const s = sqliteStorage({ dbPath: path });
  try {
    return (await s.getMessages("s1")).map((m) => m.messageId);
  } finally {
    await s.close();
  }
}

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
    expect(await ids(dst)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m9"]);
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
    expect(await ids(dst)).toEqual(["m0", "m1", "m2", "m3", "v2-1"]);
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
