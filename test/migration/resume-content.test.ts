import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { halfWrite, v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("mig-resume-");
afterAll(tmp.cleanup);
const CLI = new URL("../../dist/cli/bin.js", import.meta.url).pathname;

async function stored(path: string, id: string): Promise<string[]> {
  const s = sqliteStorage({ dbPath: path });
  try {
    return (await s.getMessages(id)).map((m) => m.messageId);
  } finally {
    await s.close();
  }
}

function cli(...args: string[]) {
  return spawnSync("node", [CLI, "migrate", ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("resume decided by content", () => {
  it("completes a half-written session after the V1 row was re-saved (new updated_at)", async () => {
    const src = tmp.path("resaved.db");
    const dst = tmp.path("resaved-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(4) }]);
    await halfWrite(src, dst, "UTC");
    writeV1(src, [
      { session_id: "s1", messages: v1Messages(4), updated_at: "2024-03-04T11:00:00.000001" },
    ]);
    const res = cli(src, dst, "--timezone", "UTC", "--report", tmp.path("resaved.json"));
    expect(res.status).toBe(0);
    expect(await stored(dst, "s1")).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("completes a half-written session when the re-run uses another time zone", async () => {
    const src = tmp.path("tz.db");
    const dst = tmp.path("tz-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(4) }]);
    await halfWrite(src, dst, "Europe/Oslo");
    const r = await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 4, unmigratedMessages: 0 });
    expect(await stored(dst, "s1")).toHaveLength(4);
  });

  it("appends the messages a V1 session gained after it was migrated", async () => {
    const src = tmp.path("inc.db");
    const dst = tmp.path("inc-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(2) }]);
    await migrateV1({ source: src, target: dst, timezone: "UTC" });
    writeV1(src, [
      { session_id: "s1", messages: v1Messages(4), updated_at: "2024-03-05T11:00:00.000001" },
    ]);
    const r = await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect(r).toMatchObject({ migratedSessions: 1, migratedMessages: 2, failedSessions: 0 });
    expect(await stored(dst, "s1")).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("leaves a session that moved on in V2 alone, warns, and the CLI exits 2", async () => {
    const src = tmp.path("moved.db");
    const dst = tmp.path("moved-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(2) }]);
    await migrateV1({ source: src, target: dst, timezone: "UTC" });
    const s = sqliteStorage({ dbPath: dst });
    const at = new Date();
    await s.appendMessages("s1", [
      {
        messageId: "v2-only",
        sessionId: "s1",
        role: "user",
        content: "new",
        timestamp: at,
        metadata: {},
      },
    ]);
    await s.close();
    writeV1(src, [{ session_id: "s1", messages: v1Messages(4) }]);
    const report = tmp.path("moved.json");
    const res = cli(src, dst, "--timezone", "UTC", "--report", report);
    expect(res.status).toBe(2);
    expect(res.stdout).toMatch(
      /s1: changed in V2 after migration.*2 of 4 V1 messages not migrated/,
    );
    expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({
      skippedSessions: 1,
      unmigratedMessages: 2,
    });
    expect(await stored(dst, "s1")).toEqual(["m0", "m1", "v2-only"]);
  });

  it("does not bring back messages cleared in V2", async () => {
    const src = tmp.path("clear.db");
    const dst = tmp.path("clear-v2.db");
    writeV1(src, [{ session_id: "s1", messages: v1Messages(2) }]);
    await migrateV1({ source: src, target: dst, timezone: "UTC" });
    const s = sqliteStorage({ dbPath: dst });
    await s.clearMessages("s1");
    await s.close();
    const r = await migrateV1({ source: src, target: dst, timezone: "UTC" });
    expect(r).toMatchObject({ skippedSessions: 1, unmigratedMessages: 2 });
    expect(await stored(dst, "s1")).toEqual([]);
  });
});

describe("sources and ids", () => {
  it("fails a session whose id is taken by a session from another V1 file", async () => {
    const a = tmp.path("appA.db");
    const b = tmp.path("appB.db");
    const dst = tmp.path("two-v2.db");
    const m = (id: string) => [{ id, role: "user", content: id, timestamp: "2024-03-04T09:00:00" }];
    writeV1(a, [{ session_id: "ticket-4711", user_id: "alice", messages: m("msg_1") }]);
    writeV1(b, [{ session_id: "ticket-4711", user_id: "bob", messages: m("msg_9") }]);
    await migrateV1({ source: a, target: dst, timezone: "UTC" });
    const r = await migrateV1({ source: b, target: dst, timezone: "UTC" });
    expect(r).toMatchObject({ migratedSessions: 0, failedSessions: 1, skippedSessions: 0 });
    expect(r.errors[0]!.error).toMatch(/already used by another session/);
  });

  it("finds sessions migrated with kept ids on a --renew-ids run, and the reverse", async () => {
    for (const [first, second] of [
      ["keep", "renew"],
      ["renew", "keep"],
    ] as const) {
      const src = tmp.path(`${first}.db`);
      const dst = tmp.path(`${first}-v2.db`);
      writeV1(src, [{ session_id: "k1", messages: v1Messages(2) }]);
      await migrateV1({ source: src, target: dst, timezone: "UTC", sessionIds: first });
      const r = await migrateV1({ source: src, target: dst, timezone: "UTC", sessionIds: second });
      const s = sqliteStorage({ dbPath: dst });
      const usage = await s.getMemoryUsage();
      await s.close();
      expect({ sessions: usage.sessions, migrated: r.migratedSessions }).toEqual({
        sessions: 1,
        migrated: 0,
      });
    }
  });
});

describe("CLI", () => {
  it("writes the report with a fatal error when the target fails", () => {
    const src = tmp.path("cli.db");
    writeV1(src, [{ session_id: "x", messages: v1Messages(2) }]);
    const report = tmp.path("fatal.json");
    const res = cli(src, "postgres://u:secret@127.0.0.1:1/db", "--report", report);
    expect(res.status).not.toBe(0);
    expect(existsSync(report)).toBe(true);
    const body = JSON.parse(readFileSync(report, "utf8")) as Record<string, unknown>;
    expect(body.fatal).toEqual(expect.any(String));
    expect(body).toMatchObject({ totalSessions: 1, migratedSessions: 0 });
    expect(JSON.stringify(body)).not.toContain("secret");
  });

  it("says that verify is skipped on a dry run", () => {
    const src = tmp.path("dry.db");
    writeV1(src, [{ session_id: "x", messages: v1Messages(2) }]);
    const args = [src, tmp.path("dry-v2.db"), "--dry-run", "--verify", "--report"];
    const res = cli(...args, tmp.path("dry.json"));
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/verify: skipped on a dry run/);
  });
});
