// `langswarm-session migrate v1.db v2.db 2>&1 | head -20`: once the reader of stderr is gone, the
// next plain `progress:` line fails with EPIPE, which nothing handles. The process dies mid-run
// (exit 1, no summary, no report); in a shell pipeline the exit status is head's 0.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { CLI_BIN } from "../helpers/cli.js";
import { tempDir } from "../migration/helpers.js";
import { generateV1Database } from "../migration/v1-fixture.js";

const tmp = tempDir("r12-epipe-");
afterAll(tmp.cleanup);

function storedSessions(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM sessions").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

it("a progress reader that goes away does not stop the migration half way", async () => {
  const source = tmp.path("v1.db");
  generateV1Database(source, { sessions: 8000, messagesPerSession: 2 });
  const target = tmp.path("v2.db");
  const child = spawn(
    process.execPath,
    [CLI_BIN, "migrate", source, target, "--timezone", "UTC", "--report", "r.json"],
    { cwd: tmp.dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.resume();
  // The reader of stderr reads the first progress line, then exits (as `head -1` would).
  child.stderr.once("data", () => child.stderr.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));

  expect(storedSessions(target)).toBe(8000); // today: ~2000, the run died at the next progress line
  expect(existsSync(tmp.path("r.json"))).toBe(true); // today: no report at all
  expect(code).toBe(0); // today: 1 (an unhandled EPIPE)
}, 120_000);
