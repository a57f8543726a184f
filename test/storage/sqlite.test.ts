import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { StorageError, ValidationError } from "../../src/errors.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { describeStorageConformance } from "./conformance.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

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

  it("reports a taken id only for that constraint, not for any other one that fails", async () => {
    // A constraint of the database's own (a trigger here) is not the caller's taken id.
    const db = new Database(freshPath());
    const storage = sqliteStorage({ database: db });
    const r = makeRecord();
    await storage.createSession(r);
    await storage.appendMessages(r.sessionId, [makeMessage(r.sessionId)]);
    db.exec(`CREATE TRIGGER no_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'no'); END;
      CREATE TRIGGER no_messages BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'no'); END;`);
    const created = await storage.createSession(makeRecord()).catch((e: unknown) => e);
    expect(created).toBeInstanceOf(StorageError);
    const turn = { usage: usage(1, 1), costUsd: 0, at: new Date() };
    const appended = await storage
      .appendMessages(r.sessionId, [makeMessage(r.sessionId)], turn)
      .catch((e: unknown) => e);
    expect(appended).toBeInstanceOf(StorageError);
    db.exec(`DROP TRIGGER no_sessions; DROP TRIGGER no_messages;`);
    // The taken ids themselves are still reported as such.
    await expect(storage.createSession(r)).rejects.toMatchObject({ field: "sessionId" });
    const [m] = await storage.getMessages(r.sessionId);
    await expect(storage.appendMessages(r.sessionId, [m!])).rejects.toThrow(ValidationError);
    expect((await storage.getSession(r.sessionId))!.messageCount).toBe(1);
    await storage.close();
    db.close();
  });
});
