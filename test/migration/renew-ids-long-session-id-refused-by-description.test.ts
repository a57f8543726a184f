// docs/migration.md: a session id over 256 characters cannot be kept: "use --renew-ids". With
// renewed ids the V2 id is a UUID, but the migrator itself writes the V1 id into the record's
// `description` ("Migrated from V1 session <id>"), which V2 caps at 10,000 characters: an id of
// about 10,000 characters is then refused with "invalid description … fix it in V1", naming a
// field V1 does not have. Same class: the migrator's own renames (`<id>~<digest>` for a
// `<provider>_unknown` id, `<id>~2` for a repeat) push a valid V1 id over V2's 1,024 characters,
// and the error blames the V1 id ("must have 1 to 1024 characters") although it has fewer.
import { afterAll, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("r12-derived-");
afterAll(tmp.cleanup);
const m = (id: string) => ({
  id,
  role: "assistant",
  content: "x",
  timestamp: "2024-01-01T00:00:00",
});

it("--renew-ids migrates a session whose V1 id is ~10,000 characters long", async () => {
  const source = tmp.path("v1-long-id.db");
  const db = openV1Database(source);
  insertV1Rows(db, [v1Row({ session_id: "k".repeat(10_000), messages: [m("a")] })]);
  db.close();
  const target = tmp.path("v2-long-id.db");
  const r = await migrateV1({ source, target, timezone: "UTC", sessionIds: "renew" });
  // today: errors = [{ error: "[session] invalid description: must be at most 10000 characters; fix it in V1 and re-run" }]
  expect(r.errors).toEqual([]);
  expect(r.migratedSessions).toBe(1);
  const storage = sqliteStorage({ dbPath: target });
  const [session] = (await storage.listSessions({ limit: 10 })).sessions;
  await storage.close();
  expect(session!.description!.length).toBeLessThanOrEqual(10_000);
  expect(session!.metadata.v1SessionId).toBe("k".repeat(10_000)); // the whole id is kept
});

it("a V1 message id within 1,024 characters is not refused because of the migrator's rename", async () => {
  const source = tmp.path("v1-long-msg-id.db");
  const db = openV1Database(source);
  insertV1Rows(db, [
    v1Row({ session_id: "unknown", messages: [m(`${"u".repeat(1012)}_unknown`)] }), // 1,020 chars
    v1Row({ session_id: "repeat", messages: [m("d".repeat(1024)), m("d".repeat(1024))] }),
  ]);
  db.close();
  const target = tmp.path("v2-long-msg-id.db");
  const r = await migrateV1({ source, target, timezone: "UTC" });
  // today: both fail with "history.messages[i].id must have 1 to 1024 characters"
  expect(r.errors).toEqual([]);
  expect(r.migratedSessions).toBe(2);
  const storage = sqliteStorage({ dbPath: target });
  for (const [sessionId, v1Ids] of [
    ["unknown", [`${"u".repeat(1012)}_unknown`]],
    ["repeat", ["d".repeat(1024), "d".repeat(1024)]],
  ] as const) {
    const stored = await storage.getMessages(sessionId);
    expect(stored.map((x) => x.messageId.length <= 1024)).toEqual(v1Ids.map(() => true));
    expect(new Set(stored.map((x) => x.messageId)).size).toBe(v1Ids.length);
    const original = (x: (typeof stored)[number]) =>
      (x.metadata.v1 as { messageId?: string }).messageId ?? x.messageId;
    expect(stored.map(original)).toEqual(v1Ids); // the V1 id kept where it was renamed
  }
  await storage.close();
});

it("a V1 message id over 1,024 characters is still refused, naming V1's id", async () => {
  const source = tmp.path("v1-too-long-msg-id.db");
  const db = openV1Database(source);
  insertV1Rows(db, [v1Row({ session_id: "long", messages: [m(`${"u".repeat(1017)}_unknown`)] })]);
  db.close();
  const r = await migrateV1({ source, target: tmp.path("v2-too-long.db"), timezone: "UTC" });
  expect(r.errors).toEqual([
    { sessionId: "long", error: "history.messages[0].id must have 1 to 1024 characters" },
  ]);
});
