// The migrator reports a V1 row whose session_id is not valid UTF-8 as an error (under
// `rowid:N`). The bridge's user listing found ids through `V1UserIndex`, which read the column as
// TEXT (better-sqlite3 turns the bad byte into U+FFFD); the lookup by that altered id then found
// no row, and the session was silently left out — not listed, and not in `unreadable`, which
// docs/migration.md promises for "the user's V1 rows that cannot be read".
import { afterAll, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { migrateV1, SessionBridge } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("r13-bridge-utf8-");
afterAll(tmp.cleanup);

it("a user's V1 row with a non-UTF-8 session_id is listed in unreadable, not dropped", async () => {
  const source = tmp.path("v1.db");
  const db = openV1Database(source);
  const messages = [{ id: "m1", role: "user", content: "hi", timestamp: "2024-01-01T00:00:00" }];
  insertV1Rows(db, [
    v1Row({ session_id: "good", user_id: "u1", messages }),
    v1Row({ session_id: "bad", user_id: "u1", messages }),
  ]);
  // "bad" + 0xE9 (Latin-1 é): a hand edit.
  const edit =
    "UPDATE sessions SET session_id = CAST(X'626164E9' AS TEXT) WHERE session_id = 'bad'";
  db.prepare(edit).run();
  const { rid } = db
    .prepare("SELECT rowid AS rid FROM sessions WHERE user_id = 'u1' AND session_id <> 'good'")
    .get() as { rid: number };
  db.close();

  const manager = createSessionManager({
    storage: sqliteStorage({ dbPath: tmp.path("v2.db") }),
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, source, { timezone: "UTC" });
  try {
    const listed = await bridge.getUserSessions("u1");
    expect(listed.map((s) => s.sessionId)).toEqual(["good"]);
    // Was: [] — the row vanished from the listing without a trace.
    expect(listed.unreadable).toEqual([
      {
        sessionId: `rowid:${rid}`,
        error: expect.stringMatching(/session_id column is not valid UTF-8/),
      },
    ]);
  } finally {
    await bridge.close();
    await manager.close();
  }
  // The same stand-in as the migration's report.
  const report = await migrateV1({
    source,
    target: tmp.path("dry.db"),
    timezone: "UTC",
    dryRun: true,
  });
  expect(report.errors.map((e) => e.sessionId)).toEqual([`rowid:${rid}`]);
});
