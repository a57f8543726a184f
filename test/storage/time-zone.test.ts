// A machine in New York: set before any Date is formatted in this (forked) test process.
process.env.TZ = "America/New_York";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { memoryStorage, postgresStorage, sqliteStorage } from "../../src/index.js";
import type { SessionStorage } from "../../src/storage/types.js";
import { freshDatabase } from "../helpers/postgres.js";
import { makeRecord } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "lss-tz-"));
const url = await freshDatabase(inject("postgresUrl"));
const opened: SessionStorage[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const BACKENDS: Record<string, () => SessionStorage> = {
  memory: () => memoryStorage(),
  sqlite: () => sqliteStorage({ dbPath: join(dir, "tz.db") }),
  postgres: () => postgresStorage({ connectionString: url, schema: "tz" }),
};

describe.each(Object.keys(BACKENDS))("%s, in a time zone whose old offset has seconds", (name) => {
  it("pages through and filters sessions last active in 1850 without skipping any", async () => {
    const at = new Date(Date.UTC(1850, 0, 1));
    expect(at.getSeconds()).not.toBe(0); // local mean time, -4:56:02, is in effect
    const storage = BACKENDS[name]!();
    opened.push(storage);
    for (const sessionId of ["a", "b", "c"]) {
      await storage.createSession(makeRecord({ sessionId, userId: "tz", lastActivity: at }));
    }
    const seen: string[] = [];
    let page = await storage.listSessions({ userId: "tz", limit: 1 });
    for (;;) {
      seen.push(...page.sessions.map((r) => r.sessionId));
      if (!page.next) break;
      page = await storage.listSessions({ userId: "tz", limit: 1, after: page.next });
    }
    expect(seen).toEqual(["c", "b", "a"]);
    const before = { userId: "tz", limit: 10 };
    const justAfter = await storage.listSessions({ ...before, inactiveBefore: new Date(+at + 1) });
    expect(justAfter.sessions.map((r) => r.sessionId)).toEqual(["c", "b", "a"]);
    const exactly = await storage.listSessions({ ...before, inactiveBefore: at });
    expect(exactly.sessions).toEqual([]);
  });
});
