import { afterAll, describe, expect, inject, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { postgresStorage } from "../../src/storage/postgres.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";
import { freshDatabase } from "../helpers/postgres.js";
import { tempDir } from "./helpers.js";
import {
  CORRUPT_COUNT,
  HUGE_TEXT,
  GOOD_COUNT,
  UNICODE_TEXT,
  buildCaseDatabase,
} from "./v1-cases.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const url = await freshDatabase(inject("postgresUrl"));
const tmp = tempDir("lss-migrate-pg-");
afterAll(tmp.cleanup);
const TZ = "Europe/Oslo";

describe("migrateV1 into Postgres by connection string", () => {
  const source = buildCaseDatabase(tmp.path("v1.db"));

  it("migrates, verifies, and skips everything on a re-run", async () => {
    const report = await migrateV1({ source, target: url, timezone: TZ });
    expect(report).toMatchObject({
      migratedSessions: GOOD_COUNT,
      failedSessions: CORRUPT_COUNT,
    });
    expect(report.target).not.toContain(new URL(url).password);
    const check = await verifyMigration({ source, target: url, timezone: TZ });
    expect(check).toMatchObject({ ok: true, matchingSessions: GOOD_COUNT });
    const again = await migrateV1({ source, target: url, timezone: TZ });
    expect(again).toMatchObject({ migratedSessions: 0, skippedSessions: GOOD_COUNT });

    const storage = postgresStorage({ connectionString: url });
    try {
      const huge = await storage.getMessages("session_huge");
      expect(huge[0]!.content === HUGE_TEXT).toBe(true);
      const anthropic = await storage.getMessages("session_anthropic");
      expect(anthropic[0]!.content).toBe(UNICODE_TEXT);
      const sqliteTarget = tmp.path("v2.db");
      await migrateV1({ source, target: sqliteTarget, timezone: TZ });
      const sqlite = sqliteStorage({ dbPath: sqliteTarget });
      const dupes = async (s: SessionStorage) =>
        (await s.getMessages("session_dupes")).map((m) => m.messageId);
      expect(await dupes(storage)).toEqual(await dupes(sqlite)); // the same names on both
      await sqlite.close();
    } finally {
      await storage.close();
    }
  });

  it("reports a row Postgres refuses (a NUL character) and migrates the others", async () => {
    const path = tmp.path("nul.db");
    const db = openV1Database(path);
    const message = (id: string, content: string) => ({
      id,
      role: "user",
      content,
      timestamp: "2024-01-01T00:00:00.000001",
    });
    insertV1Rows(db, [
      v1Row({ session_id: "pg_nul", messages: [message("m1", "a\u0000b")] }),
      v1Row({ session_id: "pg_ok", messages: [message("m1", "fine")] }),
    ]);
    db.close();
    const target = await freshDatabase(inject("postgresUrl"));
    const report = await migrateV1({ source: path, target, timezone: TZ });
    expect(report.migratedSessions).toBe(1);
    expect(report.errors).toEqual([
      { sessionId: "pg_nul", error: expect.stringMatching(/contains a NUL character/) },
    ]);
  });
});
