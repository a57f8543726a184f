import { createHash } from "node:crypto";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { v1Messages, writeV1 } from "../migration/fix-helpers.js";
import { tempDir } from "../migration/helpers.js";

const tmp = tempDir("lss-cli-report-");
afterAll(tmp.cleanup);
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

describe("migrate --report naming the source or the target", () => {
  it("does not overwrite the V1 source database with the report", async () => {
    const source = tmp.path("v1.db");
    writeV1(source, [{ session_id: "s1", messages: v1Messages(4) }]);
    const before = sha(source);
    const r = await runCli(
      ["migrate", source, tmp.path("out.db"), "--timezone", "UTC", "--report", source],
      { cwd: tmp.dir },
    );
    expect(readFileSync(source).subarray(0, 15).toString()).toBe("SQLite format 3");
    expect(sha(source)).toBe(before);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--report/);
  });

  it("does not overwrite the migrated target database with the report", async () => {
    const source = tmp.path("v1b.db");
    const target = tmp.path("outb.db");
    writeV1(source, [{ session_id: "s1", messages: v1Messages(4) }]);
    const first = await runCli(["migrate", source, target, "--timezone", "UTC"], { cwd: tmp.dir });
    expect(first.code).toBe(0);
    const again = await runCli(
      ["migrate", source, target, "--timezone", "UTC", "--report", target],
      { cwd: tmp.dir },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`invalid --report: is a file of the target database ${target}`);
    // The target must still be a V2 database holding the migrated session.
    const listed = await runCli(["--db", target, "sessions", "list", "--json"]);
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((s: { sessionId: string }) => s.sessionId)).toEqual([
      "s1",
    ]);
  });

  it("refuses a journal file of the databases and a symlink to one, before the run", async () => {
    const source = tmp.path("v1c.db");
    writeV1(source, [{ session_id: "s1", messages: v1Messages(2) }]);
    symlinkSync(source, tmp.path("link.json"));
    for (const report of [`${source}-journal`, tmp.path("outc.db-wal"), tmp.path("link.json")]) {
      const r = await runCli(
        ["migrate", source, "outc.db", "--timezone", "UTC", "--report", report],
        {
          cwd: tmp.dir,
        },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/invalid --report: is a file of the (V1 source|target) database/);
      expect(r.stderr).not.toMatch(/^report:/m); // nothing ran, no report was written
      expect(existsSync(tmp.path("outc.db"))).toBe(false);
    }
  });
});

describe("migrate with bad options", () => {
  it("leaves an earlier report as it was when --timezone is not a time zone", async () => {
    const source = tmp.path("v1tz.db");
    writeV1(source, [{ session_id: "s1", messages: v1Messages(2) }]);
    const report = tmp.path("report.json");
    const earlier = `${JSON.stringify({ migratedSessions: 1, note: "the earlier run" })}\n`;
    writeFileSync(report, earlier);
    const r = await runCli(
      ["migrate", source, tmp.path("out.db"), "--timezone", "Europe/Olso", "--report", report],
      { cwd: tmp.dir },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid timezone: unknown IANA time zone "Europe/Olso"');
    expect(readFileSync(report, "utf8")).toBe(earlier);
  });

  it("leaves an earlier report as it was when the target is the source by another name", async () => {
    const source = tmp.path("v1same.db");
    writeV1(source, [{ session_id: "s1", messages: v1Messages(2) }]);
    symlinkSync(source, tmp.path("same-link.db"));
    const report = tmp.path("same.json");
    writeFileSync(report, "{}\n");
    const r = await runCli(["migrate", source, "same-link.db", "--report", report], {
      cwd: tmp.dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid target: must not be the V1 source file");
    expect(readFileSync(report, "utf8")).toBe("{}\n");
  });
});
