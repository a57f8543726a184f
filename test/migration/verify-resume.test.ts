import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { dumpTarget, tempDir } from "./helpers.js";
import { CORRUPT_COUNT, GOOD_COUNT, buildCaseDatabase } from "./v1-cases.js";
import { generateV1Database } from "./v1-fixture.js";

const tmp = tempDir("lss-verify-");
afterAll(tmp.cleanup);
const TZ = "Europe/Oslo";
const dist = join(import.meta.dirname, "..", "..", "dist", "migration", "index.js");

describe("verifyMigration", () => {
  const source = tmp.path("v1.db");
  const target = tmp.path("v2.db");
  beforeAll(async () => {
    buildCaseDatabase(source);
    await migrateV1({ source, target, timezone: TZ });
  });

  it("passes after a migration and lists unreadable V1 rows separately", async () => {
    const r = await verifyMigration({ source, target, timezone: TZ });
    expect(r).toMatchObject({
      ok: true,
      checkedSessions: GOOD_COUNT,
      matchingSessions: GOOD_COUNT,
      differences: [],
    });
    expect(r.unreadable).toHaveLength(CORRUPT_COUNT);
  });

  it("detects a tampered message, a missing message and a missing session", async () => {
    const db = new Database(target);
    db.prepare("UPDATE messages SET content = 'tampered' WHERE session_id = ? AND seq = 2").run(
      "session_0a1b2c3d",
    );
    db.prepare("DELETE FROM messages WHERE session_id = ? AND seq = 3").run("session_offsets");
    db.prepare("DELETE FROM sessions WHERE session_id = ?").run("session_nan");
    db.close();
    const r = await verifyMigration({ source, target, timezone: TZ });
    expect(r.ok).toBe(false);
    expect(r.matchingSessions).toBe(GOOD_COUNT - 3);
    const byId = Object.fromEntries(r.differences.map((d) => [d.sessionId, d]));
    expect(byId.session_0a1b2c3d).toMatchObject({
      problem: "content",
      sourceMessages: 5,
      targetMessages: 5,
      detail: "message 1: content differs (source id msg_00000002)",
    });
    expect(byId.session_0a1b2c3d!.targetHash).not.toBe(byId.session_0a1b2c3d!.sourceHash);
    expect(byId.session_offsets).toMatchObject({ problem: "messageCount", targetMessages: 2 });
    expect(byId.session_nan).toMatchObject({ problem: "missing", targetMessages: null });
  });
});

describe("resume after SIGKILL", () => {
  const source = tmp.path("big.db");
  beforeAll(() => generateV1Database(source, { sessions: 4000, messagesPerSession: 8, seed: 7 }));

  /** Runs the built migrator in a child and SIGKILLs it once it has done `killAfter` sessions. */
  function killedRun(target: string, killAfter: number): Promise<NodeJS.Signals | null> {
    const script = tmp.path(`child-${killAfter}.mjs`);
    writeFileSync(
      script,
      // Short pauses keep a loaded machine from finishing before the parent reacts; the kill
      // still lands anywhere (during a pause or in the middle of a session's writes).
      `import { migrateV1 } from ${JSON.stringify(dist)};
       const pause = new Int32Array(new SharedArrayBuffer(4));
       await migrateV1({ source: ${JSON.stringify(source)}, target: ${JSON.stringify(target)},
         timezone: "${TZ}", onProgress: (p) => {
           if (p.processedSessions % 10 === 0) { console.log(p.processedSessions); Atomics.wait(pause, 0, 0, 2); }
         } });
       console.log("done");`,
    );
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
      let pending = "";
      child.stdout.on("data", (d: Buffer) => {
        const lines = (pending + d.toString()).split("\n");
        pending = lines.pop()!;
        if (lines.some((line) => Number(line) >= killAfter)) child.kill("SIGKILL");
      });
      child.on("error", reject);
      child.on("exit", (_code, signal) => resolve(signal));
    });
  }

  it("ends with exactly the content of an uninterrupted run, twice interrupted", async () => {
    const clean = tmp.path("clean.db");
    await migrateV1({ source, target: clean, timezone: TZ });
    const resumed = tmp.path("resumed.db");
    expect(await killedRun(resumed, 500)).toBe("SIGKILL");
    expect(await killedRun(resumed, 1500)).toBe("SIGKILL");
    const last = await migrateV1({ source, target: resumed, timezone: TZ });
    expect(last.skippedSessions).toBeGreaterThanOrEqual(1500);
    expect(last.skippedSessions + last.migratedSessions).toBe(4000);
    expect(last.failedSessions).toBe(0);
    expect(dumpTarget(resumed)).toEqual(dumpTarget(clean));
    expect((await verifyMigration({ source, target: resumed, timezone: TZ })).ok).toBe(true);
  }, 120_000);
});
