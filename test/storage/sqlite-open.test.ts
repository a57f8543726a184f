import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { StorageError, ValidationError } from "../../src/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "lss-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("opening a SQLite file", () => {
  it("reports a file that is not a database as a StorageError naming it", async () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "not a database, just text ".repeat(200));
    const storage = sqliteStorage({ dbPath: path });
    const error = await storage.getSession("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/cannot open .*notes\.txt: file is not a database/);
    await storage.close();
  });

  it("refuses a file of another schema (a V1 file) without changing a byte of it", async () => {
    const path = join(dir, "langswarm_sessions.db");
    const v1 = new Database(path);
    v1.exec("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, metadata TEXT, history TEXT)");
    v1.close();
    const before = readFileSync(path);
    const storage = sqliteStorage({ dbPath: path });
    const error = await storage.listSessions({ limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/not a @langswarm\/session database.*migrate/);
    await storage.close();
    expect(readFileSync(path).equals(before)).toBe(true); // still in its own journal mode
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("keeps other tables of a shared file, creating its own beside them", async () => {
    const path = join(dir, "shared.db");
    const app = new Database(path);
    app.exec("CREATE TABLE app_users (id INTEGER PRIMARY KEY)");
    app.close();
    const storage = sqliteStorage({ dbPath: path });
    expect((await storage.listSessions({ limit: 1 })).sessions).toEqual([]);
    await storage.close();
  });

  it("checks its options when made directly, naming the field", () => {
    const bad = [
      [{ busyTimeoutMs: 2 ** 31 }, "busyTimeoutMs"],
      [{ dbPath: "a.db", connectionString: "postgres://x" }, "connectionString"],
      [{ enableWal: "yes" }, "enableWal"],
    ] as const;
    for (const [options, field] of bad) {
      expect(() => sqliteStorage(options as never)).toThrow(ValidationError);
      expect(() => sqliteStorage(options as never)).toThrow(field);
    }
  });
});
