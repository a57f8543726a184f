// A V1 row whose text is not valid UTF-8 (a hand edit or another tool writing Latin-1 into the
// file: "café" with é as the single byte 0xE9). V1 itself cannot load it (Python's sqlite3 raises
// "Could not decode to UTF-8"), yet the migrator reads it through better-sqlite3, which turns
// the byte into U+FFFD: the content is migrated altered, with no error or warning, and --verify
// (which re-reads V1 the same lossy way) reports a match. The docs promise content "byte for
// byte" and refuse a lone surrogate because "any replacement would alter the data".
import { afterAll, expect, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("r12-utf8-");
afterAll(tmp.cleanup);

it("a V1 row with invalid UTF-8 is reported, not migrated with U+FFFD in its content", async () => {
  const source = tmp.path("v1.db");
  const db = openV1Database(source);
  const row = v1Row({
    session_id: "latin1",
    messages: [{ id: "m1", role: "user", content: "cafe", timestamp: "2024-01-01T00:00:00" }],
  });
  insertV1Rows(db, [row]);
  const latin1 = Buffer.from(row.history.replace('"cafe"', '"caf\u00e9"'), "latin1"); // 0xE9 alone
  db.prepare("UPDATE sessions SET history = CAST(? AS TEXT) WHERE session_id = 'latin1'").run(
    latin1,
  );
  db.close();

  const dry = await migrateV1({
    source,
    target: tmp.path("dry.db"),
    timezone: "UTC",
    dryRun: true,
  });
  const target = tmp.path("v2.db");
  const real = await migrateV1({ source, target, timezone: "UTC" });
  const storage = sqliteStorage({ dbPath: target });
  const stored = (await storage.getSession("latin1")) ? await storage.getMessages("latin1") : [];
  await storage.close();
  const verify = await verifyMigration({ source, target, timezone: "UTC" });

  expect(stored.map((m) => m.content)).not.toContain("caf\uFFFD"); // today: "caf\uFFFD" stored
  for (const r of [dry, real]) {
    expect(r.errors).toEqual([{ sessionId: "latin1", error: expect.stringMatching(/UTF-8/) }]); // today: []
  }
  expect(verify.matchingSessions).toBe(0); // today: 1 ("ok": true)
});

it("a leading U+FEFF is V1's text too: kept, not taken for a byte order mark", async () => {
  const source = tmp.path("v1-bom.db");
  const db = openV1Database(source);
  const messages = [{ id: "m1", role: "user", content: "hi", timestamp: "2024-01-01T00:00:00" }];
  insertV1Rows(db, [v1Row({ session_id: "\uFEFFbom", messages })]);
  db.close();
  const target = tmp.path("v2-bom.db");
  const report = await migrateV1({ source, target, timezone: "UTC" });
  expect(report).toMatchObject({ errors: [], migratedSessions: 1 });
  const storage = sqliteStorage({ dbPath: target });
  expect(await storage.getSession("\uFEFFbom")).not.toBeNull();
  await storage.close();
});

it("a U+FFFD that V1 itself stored is migrated as it is (only invalid bytes are refused)", async () => {
  const source = tmp.path("v1-fffd.db");
  const db = openV1Database(source);
  const content = "a replacement character \uFFFD typed by the user";
  const messages = [{ id: "m1", role: "user", content, timestamp: "2024-01-01T00:00:00" }];
  insertV1Rows(db, [v1Row({ session_id: "fffd\uFFFD", messages })]);
  db.close();
  const target = tmp.path("v2-fffd.db");
  const report = await migrateV1({ source, target, timezone: "UTC" });
  expect(report).toMatchObject({ errors: [], migratedSessions: 1 });
  const storage = sqliteStorage({ dbPath: target });
  expect((await storage.getMessages("fffd\uFFFD")).map((m) => m.content)).toEqual([content]);
  await storage.close();
});
