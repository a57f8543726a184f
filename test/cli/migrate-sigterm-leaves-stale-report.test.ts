// Only SIGINT is handled. `kill <pid>`, `timeout`, `docker stop`, systemd and CI cancellation send
// SIGTERM: the run dies at once, writes no report, and the report of an EARLIER run stays in
// place, complete and without `fatal`, describing another run as if it were this one.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { CLI_BIN, runCli } from "../helpers/cli.js";
import { tempDir } from "../migration/helpers.js";
import { generateV1Database } from "../migration/v1-fixture.js";

const tmp = tempDir("r12-sigterm-");
afterAll(tmp.cleanup);

function storedSessions(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM sessions").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

it("a run stopped by SIGTERM writes its report (fatal set), not leave an earlier run's", async () => {
  // An earlier, complete run wrote r.json.
  const small = tmp.path("small.db");
  generateV1Database(small, { sessions: 3, messagesPerSession: 1 });
  const first = await runCli(
    ["migrate", small, tmp.path("small-v2.db"), "--timezone", "UTC", "--report", "r.json"],
    { cwd: tmp.dir },
  );
  expect(first.code).toBe(0);

  const source = tmp.path("v1.db");
  generateV1Database(source, { sessions: 10_000, messagesPerSession: 1 });
  const target = tmp.path("v2.db");
  const child = spawn(
    process.execPath,
    [CLI_BIN, "migrate", source, target, "--timezone", "UTC", "--report", "r.json"],
    { cwd: tmp.dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise<[number | null, string | null]>((resolve) =>
    child.on("close", (code, signal) => resolve([code, signal])),
  );
  const deadline = Date.now() + 60_000;
  while (storedSessions(target) === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGTERM");
  const [code] = await exited;
  expect(code).toBe(143); // 128 + SIGTERM, as a shell reports it

  const report = JSON.parse(readFileSync(tmp.path("r.json"), "utf8")) as Record<string, unknown>;
  // Today: still the small run's report: source small.db, 3 of 3 migrated, no `fatal`.
  expect(report.source).toBe(source);
  expect(report.fatal).toEqual(expect.any(String));
  expect(report.fatal).toBe("interrupted (SIGTERM)");
  expect(report.migratedSessions).toBe(storedSessions(target));
}, 120_000);

it("a run killed outright (SIGKILL) leaves a report marked unfinished, not an earlier run's", async () => {
  const small = tmp.path("small-kill.db");
  generateV1Database(small, { sessions: 3, messagesPerSession: 1 });
  const args = ["--timezone", "UTC", "--report", "k.json"];
  const first = await runCli(["migrate", small, tmp.path("small-kill-v2.db"), ...args], {
    cwd: tmp.dir,
  });
  expect(first.code).toBe(0);

  const source = tmp.path("v1-kill.db");
  generateV1Database(source, { sessions: 10_000, messagesPerSession: 1 });
  const target = tmp.path("v2-kill.db");
  const child = spawn(process.execPath, [CLI_BIN, "migrate", source, target, ...args], {
    cwd: tmp.dir,
    stdio: ["ignore", "ignore", "ignore"],
  });
  const exited = new Promise((resolve) => child.on("close", resolve));
  const deadline = Date.now() + 60_000;
  while (storedSessions(target) === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  await exited;

  const report = JSON.parse(readFileSync(tmp.path("k.json"), "utf8")) as Record<string, unknown>;
  expect(report).toEqual({
    source,
    fatal: expect.stringMatching(/^not finished/),
    verify: null,
  });
}, 120_000);
