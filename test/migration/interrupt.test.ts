import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { MigrationAbortedError, migrateV1, verifyMigration } from "../../src/migration/index.js";
import { CLI_BIN } from "../helpers/cli.js";
import { dumpTarget, tempDir } from "./helpers.js";
import { generateV1Database } from "./v1-fixture.js";

const tmp = tempDir("lss-migrate-interrupt-");
afterAll(tmp.cleanup);

describe("an interrupted migration", () => {
  it("stops after the session it is at, reports how far it got, and the next run finishes it", async () => {
    const source = tmp.path("v1.db");
    generateV1Database(source, { sessions: 30, messagesPerSession: 4 });
    const target = tmp.path("v2.db");
    const controller = new AbortController();
    const onProgress = (p: { processedSessions: number }) => {
      if (p.processedSessions === 7) controller.abort();
    };
    const stopped = await migrateV1({
      source,
      target,
      timezone: "UTC",
      onProgress,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(MigrationAbortedError);
    const { report, cause } = stopped as MigrationAbortedError;
    expect(cause).toBe(controller.signal.reason);
    expect(report).toMatchObject({ migratedSessions: 7, migratedMessages: 28, fatal: "aborted" });
    expect(dumpTarget(target).sessions).toHaveLength(7);

    const rest = await migrateV1({ source, target, timezone: "UTC" });
    expect(rest).toMatchObject({ migratedSessions: 23, skippedSessions: 7, failedSessions: 0 });
    expect((await verifyMigration({ source, target, timezone: "UTC" })).ok).toBe(true);
  });

  it("an aborted signal stops verifying too, with the signal's reason", async () => {
    const source = tmp.path("v1-verify.db");
    generateV1Database(source, { sessions: 3, messagesPerSession: 2 });
    const target = tmp.path("v2-verify.db");
    await migrateV1({ source, target, timezone: "UTC" });
    const reason = new Error("enough");
    const signal = AbortSignal.abort(reason);
    await expect(verifyMigration({ source, target, timezone: "UTC", signal })).rejects.toBe(reason);
  });

  it("on the command line, Ctrl+C writes the report, exits 130, and a second run resumes", async () => {
    const source = tmp.path("v1-big.db");
    generateV1Database(source, { sessions: 10_000, messagesPerSession: 1 });
    const target = tmp.path("v2-big.db");
    const args = ["migrate", source, target, "--timezone", "UTC", "--report", "r.json"];
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: tmp.dir });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await until(() => storedSessions(target) > 0);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted: \d+ sessions migrated; run the same command again/);
    const report = JSON.parse(readFileSync(tmp.path("r.json"), "utf8")) as Record<string, number>;
    expect(report.fatal).toBe("interrupted (Ctrl+C)");
    const done = report.migratedSessions!;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(10_000);
    expect(storedSessions(target)).toBe(done);

    const again = spawn(process.execPath, [CLI_BIN, ...args], { cwd: tmp.dir });
    expect(await new Promise((resolve) => again.on("close", resolve))).toBe(0);
    const second = JSON.parse(readFileSync(tmp.path("r.json"), "utf8")) as Record<string, number>;
    expect(second).toMatchObject({ skippedSessions: done, migratedSessions: 10_000 - done });
  }, 120_000);
});

/** Sessions in the target so far (0 while it is not there yet). */
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

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
