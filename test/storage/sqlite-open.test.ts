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

  it("refuses a foreign file passed open as `database`, naming that file", async () => {
    const path = join(dir, "v1-like.db");
    const db = new Database(path);
    db.exec("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, data TEXT)");
    const storage = sqliteStorage({ database: db });
    await expect(storage.getSession("x")).rejects.toThrow(path);
    db.close();
  });

  it("is not refused when another connection creates the schema as it looks at the file", async () => {
    const path = join(dir, "new.db");
    const real = new Database(path);
    const other = new Database(path);
    other.pragma("busy_timeout = 0");
    let competing: string | undefined; // "written", or the code of the error that stopped it
    // The real connection, except that right after the storage reads user_version (0: a new
    // file), another connection tries to create a `sessions` table and mark the schema version,
    // as a second app instance starting at the same moment does.
    const db = new Proxy(real, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (key !== "pragma") return typeof value === "function" ? value.bind(target) : value;
        return (source: string, options?: Database.PragmaOptions) => {
          const result = target.pragma(source, options);
          if (source === "user_version" && competing === undefined) {
            try {
              other.exec("CREATE TABLE sessions (id TEXT PRIMARY KEY)");
              other.pragma("user_version = 1");
              competing = "written";
            } catch (error) {
              competing = (error as { code?: string }).code ?? String(error);
            }
          }
          return result;
        };
      },
    });
    const storage = sqliteStorage({ database: db });
    try {
      await expect(storage.getSession("nope")).resolves.toBeNull();
      // The storage read the file in one transaction, so the write could not come in between.
      expect(["SQLITE_BUSY", "written"]).toContain(competing);
    } finally {
      await storage.close();
      other.close();
      real.close();
    }
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
