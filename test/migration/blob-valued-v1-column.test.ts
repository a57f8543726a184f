// e7d0dc4 dropped `CAST(col AS BLOB)` from the page read. A V1 `history`/`metadata`/`session_id`
// value stored with BLOB storage class (a hand edit with readfile(), a tool binding bytes; V1's
// Python loads it fine: json.loads takes bytes) was read as bytes and decoded strictly before;
// now better-sqlite3 returns a Buffer, `V1Text.verified` passes it through, and the row fails:
// "history is NULL or not text", or for the id "session_id column is NULL" (it is not NULL).
import { afterAll, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("r15-blob-");
afterAll(tmp.cleanup);

const messages = [{ id: "m1", role: "user", content: "hi", timestamp: "2024-01-01T00:00:00" }];

it("a history stored as a BLOB of valid UTF-8 is migrated (as before e7d0dc4)", async () => {
  const source = tmp.path("v1.db");
  const db = openV1Database(source);
  insertV1Rows(db, [v1Row({ session_id: "s1", messages })]);
  db.exec("UPDATE sessions SET history = CAST(history AS BLOB), metadata = CAST(metadata AS BLOB)");
  expect(db.prepare("SELECT typeof(history) AS t FROM sessions").get()).toEqual({ t: "blob" });
  db.close();
  const target = tmp.path("v2.db");
  const report = await migrateV1({ source, target, timezone: "UTC" });
  expect(report.errors).toEqual([]); // today: [{ sessionId: "s1", error: "metadata is NULL or not text" }]
  expect(report.migratedSessions).toBe(1);
  const storage = sqliteStorage({ dbPath: target });
  expect((await storage.getMessages("s1")).map((m) => m.content)).toEqual(["hi"]);
  await storage.close();
});

it("a session_id stored as a BLOB is not reported as NULL", async () => {
  const source = tmp.path("v1-id.db");
  const db = openV1Database(source);
  insertV1Rows(db, [v1Row({ session_id: "s2", messages })]);
  db.exec("UPDATE sessions SET session_id = CAST(session_id AS BLOB)");
  db.close();
  const report = await migrateV1({ source, target: tmp.path("v2-id.db"), timezone: "UTC" });
  // Migrated as "s2" before e7d0dc4; today: [{ sessionId: "rowid:1", error: "session_id column is NULL" }]
  for (const e of report.errors) expect(e.error).not.toMatch(/NULL/);
  expect(report.migratedSessions).toBe(1);
});
