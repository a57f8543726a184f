import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { StorageError } from "../../src/errors.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { describeStorageConformance } from "./conformance.js";
import { makeMessage, makeRecord } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "lss-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `t${n++}.db`);

describeStorageConformance({
  name: "sqlite",
  create: () => sqliteStorage({ dbPath: freshPath() }),
});

describe("sqlite backend", () => {
  it("finds everything again after the file is closed and reopened", async () => {
    const dbPath = freshPath();
    const first = sqliteStorage({ dbPath });
    const r = makeRecord({ context: { lang: "sv" } });
    await first.createSession(r);
    const messages = [makeMessage(r.sessionId), makeMessage(r.sessionId, { role: "assistant" })];
    await first.appendMessages(r.sessionId, messages);
    await first.close();
    const second = sqliteStorage({ dbPath });
    expect(await second.getSession(r.sessionId)).toMatchObject({
      context: { lang: "sv" },
      messageCount: 2,
    });
    expect(await second.getMessages(r.sessionId)).toEqual(messages);
    await second.close();
  });

  it("refuses a database written by a newer schema version, clearly", async () => {
    const dbPath = freshPath();
    const raw = new Database(dbPath);
    raw.pragma("user_version = 99");
    raw.close();
    const storage = sqliteStorage({ dbPath });
    await expect(storage.getSession("x")).rejects.toThrow(StorageError);
    await expect(storage.getSession("x")).rejects.toThrow(/schema version 99, newer/);
  });

  it("does not create the file when closed without being used", async () => {
    const dbPath = freshPath();
    const storage = sqliteStorage({ dbPath });
    await storage.close();
    expect(existsSync(dbPath)).toBe(false);
    await expect(storage.getSession("x")).rejects.toThrow(/closed/);
    expect(existsSync(dbPath)).toBe(false);
  });

  it("uses WAL and a busy timeout on a file", async () => {
    const storage = sqliteStorage({ dbPath: freshPath(), busyTimeoutMs: 1234 });
    const usage = await storage.getMemoryUsage();
    expect(usage.details.journalMode).toBe("wal");
    await storage.close();
  });
});
