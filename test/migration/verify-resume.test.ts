import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
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

  it("detects a message planted between two migrated ones", async () => {
    const src = tmp.path("planted-v1.db");
    const dst = tmp.path("planted-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(6) }]);
    await migrateV1({ source: src, target: dst, timezone: TZ });
    const db = new Database(dst);
    // Messages from seq 4 on move one place up; a foreign one takes seq 4.
    db.prepare("UPDATE messages SET seq = seq + 1000 WHERE session_id = 's1' AND seq >= 4").run();
    db.prepare("UPDATE messages SET seq = seq - 999 WHERE session_id = 's1' AND seq >= 1004").run();
    db.prepare(
      `INSERT INTO messages (session_id, seq, message_id, role, content, timestamp, extras)
       VALUES ('s1', 4, 'planted', 'user', 'injected', 0, NULL)`,
    ).run();
    db.close();
    const r = await verifyMigration({ source: src, target: dst, timezone: TZ });
    expect(r.ok).toBe(false);
    expect(r.differences[0]).toMatchObject({ sessionId: "s1", problem: "content" });
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
