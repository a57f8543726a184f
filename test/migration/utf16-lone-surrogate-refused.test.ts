// e7d0dc4 reads V1 text as TEXT and re-reads as bytes (strictly decoded) only a value holding
// U+FFFD. In a UTF-16 V1 file SQLite itself converts the text to UTF-8 for the TEXT read, and a
// high surrogate followed by any code unit (not a low surrogate) is merged into one valid astral
// character: no U+FFFD appears, so the strict check never runs. "a<D800>b" is migrated as
// "a\u{10062}" (the "b" eaten), silently. Before e7d0dc4 the bytes were always decoded strictly
// (utf-16le, fatal) and the row was refused, as the invalid UTF-8 case still is.
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, v1Row, V1_DDL } from "./v1-fixture.js";

const tmp = tempDir("r15-utf16-");
afterAll(tmp.cleanup);

it("a UTF-16 V1 row with an unpaired high surrogate is refused, not migrated altered", async () => {
  const source = tmp.path("v1.db");
  const db = new Database(source);
  db.pragma("encoding = 'UTF-16le'");
  db.exec(V1_DDL);
  const messages = [{ id: "m1", role: "user", content: "aZb", timestamp: "2024-01-01T00:00:00" }];
  const row = v1Row({ session_id: "s1", messages });
  insertV1Rows(db, [row]);
  // The history as the file's UTF-16LE bytes, "Z" replaced by a lone high surrogate 0xD800.
  const bytes = Buffer.from(row.history, "utf16le");
  const at = row.history.indexOf('"aZb"') + 2;
  bytes.writeUInt16LE(0xd800, at * 2);
  db.prepare("UPDATE sessions SET history = CAST(? AS TEXT) WHERE session_id = 's1'").run(bytes);
  // The file really holds the invalid sequence: strict decoding refuses it.
  const stored = db.prepare("SELECT CAST(history AS BLOB) AS b FROM sessions").get() as {
    b: Buffer;
  };
  expect(() => new TextDecoder("utf-16le", { fatal: true }).decode(stored.b)).toThrow();
  db.close();

  const target = tmp.path("v2.db");
  const report = await migrateV1({ source, target, timezone: "UTC" });
  const storage = sqliteStorage({ dbPath: target });
  const contents = (await storage.getSession("s1"))
    ? (await storage.getMessages("s1")).map((m) => m.content)
    : [];
  await storage.close();

  expect(contents).not.toContain("a\u{10062}"); // today: ["a\u{10062}"], the "b" is gone
  expect(report.errors).toEqual([{ sessionId: "s1", error: expect.stringMatching(/UTF-16/) }]); // today: []
});
