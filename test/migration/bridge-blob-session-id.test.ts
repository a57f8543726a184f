// 64ff3f4 made the bridge's user listing read `session_id` as bytes (CAST AS BLOB) so that a row
// whose id cannot be looked up goes to `unreadable` rather than vanish. A row whose session_id is
// stored as a BLOB of valid UTF-8 (a hand edit with X'..', Python's sqlite3 given `bytes`) decodes
// fine, so it is listed by that text; the look-up `WHERE session_id = ?` with a text parameter
// never matches a BLOB, `readV1` throws SessionNotFoundError, and `unreadable()` drops it without a
// trace. The migration itself reads the same row and migrates it.
import { afterAll, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { migrateV1, SessionBridge } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("r15-bridge-blob-");
afterAll(tmp.cleanup);

it("a user's V1 row whose session_id is a BLOB is listed (or in unreadable), not dropped", async () => {
  const source = tmp.path("v1.db");
  const db = openV1Database(source);
  const messages = [{ id: "m1", role: "user", content: "hi", timestamp: "2024-01-01T00:00:00" }];
  insertV1Rows(db, [
    v1Row({ session_id: "good", user_id: "u1", messages }),
    v1Row({ session_id: "blobby", user_id: "u1", messages }),
  ]);
  db.prepare(
    "UPDATE sessions SET session_id = CAST('blobby' AS BLOB) WHERE session_id = 'blobby'",
  ).run();
  expect(
    db
      .prepare("SELECT typeof(session_id) AS t FROM sessions WHERE user_id = 'u1' ORDER BY rowid")
      .all(),
  ).toEqual([{ t: "text" }, { t: "blob" }]);
  db.close();

  // The migration reads the row and migrates it under "blobby".
  const dry = await migrateV1({
    source,
    target: tmp.path("dry.db"),
    timezone: "UTC",
    dryRun: true,
  });
  expect(dry).toMatchObject({ migratedSessions: 2, errors: [] });

  const manager = createSessionManager({
    storage: sqliteStorage({ dbPath: tmp.path("v2.db") }),
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, source, { timezone: "UTC" });
  try {
    const listed = await bridge.getUserSessions("u1");
    const seen = [...listed.map((s) => s.sessionId), ...listed.unreadable.map((u) => u.sessionId)];
    // Today: ["good"] — the row is neither listed nor in unreadable.
    expect(seen).toHaveLength(2);
  } finally {
    await bridge.close();
    await manager.close();
  }
});
