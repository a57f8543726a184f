import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { runCli } from "../helpers/cli.js";
import { v1Messages, writeV1 } from "../migration/fix-helpers.js";
import { tempDir } from "../migration/helpers.js";

const tmp = tempDir("lss-cli-list-");
afterAll(tmp.cleanup);

function shape(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      tables: db
        .prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        .pluck()
        .all(),
      userVersion: db.pragma("user_version", { simple: true }),
      journal: db.pragma("journal_mode", { simple: true }),
    };
  } finally {
    db.close();
  }
}

/** Another application's SQLite file: one table of its own, no schema version. */
function appDatabase(name: string): string {
  const path = tmp.path(name);
  const db = new Database(path);
  db.exec(
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ann')",
  );
  db.close();
  return path;
}

describe("another application's SQLite file", () => {
  it("refuses another application's SQLite file untouched", async () => {
    const path = appDatabase("app.db");
    const before = shape(path);
    expect(before).toEqual({ tables: ["users"], userVersion: 0, journal: "delete" });
    const r = await runCli(["--db", path, "sessions", "list"]);
    expect(shape(path)).toEqual(before);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not a @langswarm/session database");
  });

  it("is refused untouched by chat and as a migration target too", async () => {
    const path = appDatabase("app2.db");
    const before = shape(path);
    const chat = await runCli(["--db", path, "chat"], { input: "hi\n" });
    expect(chat.code).toBe(1);
    expect(chat.stderr).toContain("is not a @langswarm/session database");
    const source = tmp.path("v1.db");
    writeV1(source, [{ session_id: "s1", messages: v1Messages(2) }]);
    const args = ["migrate", source, path, "--timezone", "UTC", "--report", tmp.path("r.json")];
    const migrate = await runCli(args);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain("is not a @langswarm/session database");
    expect(shape(path)).toEqual(before);
  });
});

describe("sessions list and show output", () => {
  it("says the --json listing was cut off, as the table does", async () => {
    const dbPath = tmp.path("three.db");
    const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
    for (const userId of ["a", "b", "c"]) await manager.createSession(userId, "mock", "mock-model");
    await manager.close();
    const table = await runCli(["--db", dbPath, "sessions", "list", "--limit", "2"]);
    expect(table.stderr).toContain("more sessions follow");
    const json = await runCli(["--db", dbPath, "sessions", "list", "--limit", "2", "--json"]);
    expect(JSON.parse(json.stdout)).toHaveLength(2);
    expect(json.stderr).toContain("more sessions follow");
    const all = await runCli(["--db", dbPath, "sessions", "list", "--limit", "3", "--json"]);
    expect(all.stderr).toBe("");
  });

  it("does not print U+FFFD for an emoji at the cut of a long cell", async () => {
    const dbPath = tmp.path("s.db");
    const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
    const session = await manager.createSession("u", "mock", "mock-model");
    await session.sendMessage(`${"a".repeat(56)}\u{1F600} and then some more text`);
    await manager.close();
    const r = await runCli(["--db", dbPath, "sessions", "show", session.sessionId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/user +a{56}/);
    expect(r.stdout).not.toContain("\uFFFD");
  });
});
