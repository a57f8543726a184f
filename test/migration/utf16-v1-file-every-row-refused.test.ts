// V1 text columns are read as `CAST(col AS BLOB)` and decoded strictly. They were decoded as UTF-8
// whatever the file's text encoding: in a SQLite file whose encoding is UTF-16 (`PRAGMA encoding`;
// kept by `.backup`/VACUUM INTO, set by tools that created the file) the cast yields UTF-16 bytes,
// ASCII "s1" becomes "s\0" "1\0", valid UTF-8, so every row failed ("metadata is not valid JSON")
// under a session id with NULs in it. V1 (Python's sqlite3 converts to str) reads such files fine.
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { migrateV1, SessionBridge, verifyMigration } from "../../src/migration/index.js";
import { createSessionManager } from "../../src/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, v1Row, V1_DDL } from "./v1-fixture.js";

const tmp = tempDir("r13-utf16-");
afterAll(tmp.cleanup);

const messages = [
  { id: "m1", role: "user", content: "héllo 😀", timestamp: "2024-01-01T00:00:00" },
];

function writeV1In(encoding: string, path: string): void {
  const db = new Database(path);
  db.pragma(`encoding = '${encoding}'`); // before the first table: the file's encoding for good
  db.exec(V1_DDL);
  insertV1Rows(db, [v1Row({ session_id: "s1-é", user_id: "u-é", messages })]);
  expect(db.pragma("encoding", { simple: true })).toBe(encoding);
  db.close();
}

for (const encoding of ["UTF-16le", "UTF-16be"]) {
  it(`a V1 file in ${encoding} migrates and verifies like a UTF-8 one`, async () => {
    const source = tmp.path(`v1-${encoding}.db`);
    writeV1In(encoding, source);
    const target = tmp.path(`v2-${encoding}.db`);
    const report = await migrateV1({ source, target, timezone: "UTC" });
    // Was: errors = [{ sessionId: "s\u00001\u0000…", error: "metadata is not valid JSON: …" }]
    expect(report).toMatchObject({ errors: [], migratedSessions: 1, migratedMessages: 1 });
    const storage = sqliteStorage({ dbPath: target });
    expect((await storage.getMessages("s1-é")).map((m) => m.content)).toEqual(["héllo 😀"]);
    await storage.close();
    const verify = await verifyMigration({ source, target, timezone: "UTC" });
    expect(verify).toMatchObject({ ok: true, matchingSessions: 1, unreadable: [] });
  });
}

it("the bridge lists and serves the sessions of a UTF-16 V1 file", async () => {
  const source = tmp.path("v1-bridge.db");
  writeV1In("UTF-16le", source);
  const manager = createSessionManager({
    storage: sqliteStorage({ dbPath: tmp.path("v2-bridge.db") }),
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, source, { timezone: "UTC" });
  try {
    const listed = await bridge.getUserSessions("u-é");
    expect(listed.map((s) => s.sessionId)).toEqual(["s1-é"]);
    expect(listed.unreadable).toEqual([]);
    expect((await bridge.getSession("s1-é")).sessionId).toBe("s1-é");
  } finally {
    await bridge.close();
    await manager.close();
  }
});
