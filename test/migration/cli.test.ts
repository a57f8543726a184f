import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";
import { CORRUPT_COUNT, GOOD_COUNT, buildCaseDatabase } from "./v1-cases.js";
import { generateV1Database } from "./v1-fixture.js";

import { CLI_BIN, runCli, type CliRun } from "../helpers/cli.js";

const tmp = tempDir("lss-migrate-cli-");
afterAll(tmp.cleanup);

/** `raw`: `args` are node's own (flags, script, ...), not the CLI's. */
function cli(args: string[], raw = false): Promise<CliRun> {
  return runCli(args, { cwd: tmp.dir, node: raw });
}

const readReport = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

describe("langswarm-session migrate", () => {
  const cases = tmp.path("cases.db");
  const clean = tmp.path("clean.db");
  beforeAll(() => {
    buildCaseDatabase(cases);
    generateV1Database(clean, { sessions: 40, messagesPerSession: 6 });
  });

  it("migrates, verifies, writes the default report and exits 0; piped progress is plain lines", async () => {
    const { code, stdout, stderr } = await cli([
      "migrate",
      clean,
      "out.db",
      "--verify",
      "--timezone",
      "UTC",
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^progress: 40\/40 sessions, 240 messages, \d+ sessions\/s, \d+ messages\/s$/m,
    );
    expect(stderr).not.toContain("\u001b["); // no terminal control codes on a pipe
    expect(stdout).toContain("migrated 40, skipped 0, failed 0 of 40 sessions");
    expect(stdout).toContain("verify: 40 of 40 sessions match");
    const report = readReport(join(tmp.dir, "migration_report.json"));
    expect(report).toMatchObject({
      totalSessions: 40,
      migratedSessions: 40,
      failedSessions: 0,
      migratedMessages: 240,
      timezone: "UTC",
      errors: [],
      unknownProviders: ["mistral"],
      verify: { ok: true, matchingSessions: 40 },
    });
  });

  // A terminal through script(1): the bar draws, and never turns the shell's line wrapping off
  // (cli-progress does by default, and a Ctrl+C left it off).
  it("draws a bar on a terminal without turning line wrapping off", async () => {
    const command = `"${process.execPath}" "${CLI_BIN}" migrate "${clean}" tty.db --timezone UTC`;
    const out = await new Promise<string>((resolve) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: tmp.dir });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d));
      child.on("close", () => resolve(text));
    });
    expect(out).toContain("migrating [");
    expect(out).toContain("migrated 40, skipped 0, failed 0 of 40 sessions");
    expect(out).not.toContain("\u001b[?7l");
  });

  it("exits 2 when sessions failed, listing them in the report", async () => {
    const path = tmp.path("cases-report.json");
    const { code, stdout } = await cli(["migrate", cases, "cases-v2.db", "--report", path]);
    expect(code).toBe(2);
    expect(stdout).toContain("failed corrupt_bad_role:");
    expect(stdout).toContain("unknown providers kept as they are: gemini, mistral");
    const report = readReport(path);
    expect(report).toMatchObject({
      migratedSessions: GOOD_COUNT,
      failedSessions: CORRUPT_COUNT,
    });
    expect(report.errors).toHaveLength(CORRUPT_COUNT);
  });

  it("exits 3 when verify finds a difference, and the re-run skips what is done", async () => {
    const db = new Database(join(tmp.dir, "out.db"));
    db.prepare(
      "UPDATE messages SET content = 'x' WHERE session_id = (SELECT MIN(session_id) FROM messages) AND seq = 1",
    ).run();
    db.close();
    const path = tmp.path("r2.json");
    const { code, stdout } = await cli([
      "migrate",
      clean,
      "out.db",
      "--verify",
      "--timezone",
      "UTC",
      "--report",
      path,
    ]);
    expect(code).toBe(3);
    expect(stdout).toMatch(/verify: 39 of 40 sessions match, 1 differ/);
    expect(readReport(path)).toMatchObject({
      skippedSessions: 40,
      migratedSessions: 0,
      verify: { ok: false },
    });
  });

  it("dry run writes the report but not the target; --provider-map and --renew-ids apply", async () => {
    const path = tmp.path("dry.json");
    const { code, stdout } = await cli([
      "migrate",
      clean,
      "dry.db",
      "--dry-run",
      "--renew-ids",
      "--provider-map",
      "mistral=openai-compatible",
      "--report",
      path,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("would migrate 40");
    expect(existsSync(join(tmp.dir, "dry.db"))).toBe(false);
    expect(readReport(path)).toMatchObject({ dryRun: true, unknownProviders: [] });
  });

  it("notes a --provider-map target that is no built-in provider (a typo, or your own adapter)", async () => {
    const args = ["migrate", clean, "typo.db", "--dry-run", "--report", tmp.path("typo.json")];
    const { code, stderr } = await cli([...args, "--provider-map", "mistral=openai-compatibel"]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/note: "openai-compatibel" is not a built-in provider \(mock, openai/);
    const fine = await cli([...args, "--provider-map", "mistral=openai-compatible"]);
    expect(fine.stderr).not.toMatch(/note:/);
  });

  it("exits 1 with a clear message for a missing source or bad options", async () => {
    const missing = await cli(["migrate", "nope.db", "t.db"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/invalid source: cannot open nope\.db/);
    // Bad options leave an earlier run's report as it was (a typo used to overwrite it).
    writeFileSync(join(tmp.dir, "b.json"), '{"earlier":true}\n');
    const bad = await cli(["migrate", clean, "t.db", "--batch-size", "0", "--report", "b.json"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid --batch-size/);
    expect(readReport(join(tmp.dir, "b.json"))).toEqual({ earlier: true });
    const map = await cli([
      "migrate",
      clean,
      "t.db",
      "--provider-map",
      "mistral",
      "--report",
      "p.json",
    ]);
    expect(map.code).toBe(1);
    expect(map.stderr).toMatch(/invalid --provider-map/);
    expect(existsSync(join(tmp.dir, "p.json"))).toBe(false);
    for (const [path, reason] of [
      ["", "must not be empty"],
      [tmp.dir, `is a directory: ${tmp.dir}`],
    ]) {
      const refused = await cli(["migrate", clean, "t.db", "--report", path!]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`invalid --report: ${reason}`);
    }
    const report = await cli(["migrate", clean, "t.db", "--report", "/nonexistent/r.json"]);
    expect(report.code).toBe(1);
    expect(report.stderr).toContain(
      "invalid --report: cannot be written: /nonexistent is not a writable directory (VALIDATION_ERROR)",
    );
    expect(report.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(tmp.dir, "t.db"))).toBe(false);
  });

  it("writes the migration's report with fatal and exits 1 when verifying throws", async () => {
    // A module hook swaps the built verify module for one that throws (an error mid-verify).
    const hooks = tmp.path("hooks.mjs");
    writeFileSync(
      hooks,
      `export async function load(url, context, next) {
        if (!url.endsWith("/dist/migration/verify.js")) return next(url, context);
        const source = "export async function verifyMigration() { throw new Error('verify blew up'); }";
        return { format: "module", source, shortCircuit: true };
      }`,
    );
    const register = `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
    const preload = `data:text/javascript,${encodeURIComponent(register)}`;
    const args = ["migrate", clean, "v.db", "--verify", "--timezone", "UTC", "--report", "v.json"];
    const r = await cli(["--import", preload, CLI_BIN, ...args], true);
    expect(r.stderr).toMatch(/verify blew up/);
    expect(r.code).toBe(1);
    const report = readReport(join(tmp.dir, "v.json"));
    expect(report).toMatchObject({
      migratedSessions: 40,
      fatal: expect.stringMatching(/verify blew up/),
    });
  });
});
