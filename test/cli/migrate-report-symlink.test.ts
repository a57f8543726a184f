import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../migration/helpers.js";
import { generateV1Database } from "../migration/v1-fixture.js";

/**
 * checkOptions compares the report's real path with the target's, but realPath() of a path that
 * does not exist yet is its directory's real path + its own name: a symlink not yet pointing at
 * anything is not followed. SQLite (and writeFile) do follow it, so the migrated database and the
 * report end up in the same file, and the report (written last) replaces the database.
 */
const tmp = tempDir("r8edge-dangling-");
afterAll(tmp.cleanup);

const isSqlite = (path: string) =>
  readFileSync(path).subarray(0, 15).toString() === "SQLite format 3";

it("refuses a target that is a symlink to the (not yet existing) --report file", async () => {
  const source = tmp.path("v1.db");
  generateV1Database(source, { sessions: 3, messagesPerSession: 4 });
  mkdirSync(tmp.path("vol"));
  // sessions.db -> vol/sessions.db, a volume path not created yet
  symlinkSync(tmp.path("vol/sessions.db"), tmp.path("sessions.db"));
  const r = await runCli(
    ["migrate", source, "sessions.db", "--timezone", "UTC", "--report", "vol/sessions.db"],
    { cwd: tmp.dir },
  );
  // Either refused up front (like a report naming the target directly) ...
  if (r.code === 1) {
    expect(r.stderr).toMatch(/invalid --report: is a file of the target database/);
    return;
  }
  // ... or the migrated database must still be a database afterwards.
  expect(isSqlite(tmp.path("vol/sessions.db"))).toBe(true);
});

it("refuses a --report that is a symlink to the (not yet existing) target", async () => {
  const source = tmp.path("v1b.db");
  generateV1Database(source, { sessions: 3, messagesPerSession: 4 });
  symlinkSync(tmp.path("out.db"), tmp.path("report.json"));
  const r = await runCli(
    ["migrate", source, "out.db", "--timezone", "UTC", "--report", "report.json"],
    { cwd: tmp.dir },
  );
  if (r.code === 1) {
    expect(r.stderr).toMatch(/invalid --report: is a file of the target database/);
    return;
  }
  expect(isSqlite(tmp.path("out.db"))).toBe(true);
});
