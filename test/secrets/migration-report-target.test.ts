/**
 * `migrateV1` (and `langswarm-session migrate`) put a printable `target` in the report:
 * `describeUrl` in src/migration/target.ts blanks the URL's password but keeps its query string.
 * libpq / pg accept the password as a query parameter (`postgres://user@host/db?password=…`), so
 * the password is written into `report.target`, into migration_report.json and the CLI's
 * "report" output. (Not an LLM API key, but the same rule: a credential must not be echoed.)
 *
 * The target here is 127.0.0.1 port 1: the connection is refused at once, nothing else is contacted.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { migrateV1, MigrationAbortedError } from "../../src/migration/index.js";
import { main } from "../../src/cli/main.js";
import { tempDir } from "../migration/helpers.js";
import { generateV1Database } from "../migration/v1-fixture.js";

const PASSWORD = "pgQueryPassw0rd-xyz";
const TARGET = `postgres://migrator@127.0.0.1:1/sessions?password=${PASSWORD}`;

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir("ls-secrets-mig-");
  generateV1Database(tmp.path("v1.db"), { sessions: 1, messagesPerSession: 2 });
});
afterEach(() => {
  vi.restoreAllMocks();
  tmp.cleanup();
});

it("migrateV1's report does not carry a password given in the target URL's query", async () => {
  const error = await migrateV1({ source: tmp.path("v1.db"), target: TARGET }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationAbortedError); // the target refused the connection
  const report = (error as MigrationAbortedError).report;
  expect((error as Error).message).not.toContain(PASSWORD);
  expect(report.target, "report.target").not.toContain(PASSWORD);
  expect(JSON.stringify(report), "the report").not.toContain(PASSWORD);
});

it("`langswarm-session migrate` writes no such password to migration_report.json", async () => {
  let out = "";
  const capture = (chunk: string | Uint8Array): boolean => {
    out += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  const reportPath = tmp.path("migration_report.json");
  const code = await main([
    "node",
    "cli",
    "migrate",
    tmp.path("v1.db"),
    TARGET,
    "--report",
    reportPath,
  ]);
  vi.restoreAllMocks();
  expect(code).not.toBe(0);
  expect(out, "CLI output").not.toContain(PASSWORD);
  expect(existsSync(reportPath)).toBe(true);
  expect(readFileSync(reportPath, "utf8"), "migration_report.json").not.toContain(PASSWORD);
});
