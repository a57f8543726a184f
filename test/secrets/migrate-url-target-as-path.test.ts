/**
 * `openTarget` (src/migration/target.ts) and `checkOptions` (src/cli/commands/migrate-options.ts)
 * take a target for Postgres only if it starts `postgres://` / `postgresql://`; anything else is a
 * SQLite path. A database URL of another spelling (SQLAlchemy's `postgresql+psycopg2://…`, which
 * LangSwarm V1's Python users have in their config; pg's own `socket:` URL, which the CLI's
 * `--connection-string` accepts) is then opened as a file, fails, and its password is printed
 * as the path: in the `fatal` error on stderr and in migration_report.json (`target:
 * "sqlite:postgresql+psycopg2://app:<password>@…"`, `fatal`). `describeUrl` scrubs only the
 * two prefixes it recognises.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { migrateV1 } from "../../src/migration/index.js";
import { tempDir } from "../migration/helpers.js";
import { generateV1Database } from "../migration/v1-fixture.js";

const PASSWORD = "MigPassw0rd-Zq81";
const TARGETS = [
  `postgresql+psycopg2://app:${PASSWORD}@127.0.0.1:1/sessions`,
  `socket:/var/run/postgresql?db=sessions&password=${PASSWORD}`,
];

let tmp: ReturnType<typeof tempDir>;
let cwd: string;
beforeEach(() => {
  tmp = tempDir("r9s-mig-url-");
  generateV1Database(tmp.path("v1.db"), { sessions: 1, messagesPerSession: 2 });
  cwd = process.cwd();
  process.chdir(tmp.dir); // a relative "path" of the URL lands here, not in the repository
});
afterEach(() => {
  process.chdir(cwd);
  vi.restoreAllMocks();
  tmp.cleanup();
});

for (const target of TARGETS) {
  it(`langswarm-session migrate ${target.split(":")[0]}:… prints and reports no password`, async () => {
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
      target,
      "--report",
      reportPath,
    ]);
    vi.restoreAllMocks();
    expect(code).not.toBe(0);
    expect(out, "CLI output").not.toContain(PASSWORD);
    const report = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : "";
    expect(report, "migration_report.json").not.toContain(PASSWORD);
  });

  it(`migrateV1 with target ${target.split(":")[0]}:… keeps the password out of the error and report`, async () => {
    const error = await migrateV1({ source: tmp.path("v1.db"), target }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain(PASSWORD);
    const report = (error as { report?: unknown }).report;
    expect(JSON.stringify(report ?? null), "report").not.toContain(PASSWORD);
  });
}
