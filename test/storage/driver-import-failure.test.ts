/**
 * A storage driver (pg, better-sqlite3) that is installed but fails to import (a dependency of its
 * own missing, an error in it) must say so and why, not "npm install <driver>", which would change
 * nothing; one that is not there at all must still say to install it. The driver's import rejects
 * for this file only, with Node's own codes and texts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "lss-driver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function notFound(name: string, from: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from ${from}`), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

/** The library, loaded afresh with `driver`'s import rejecting with `error`. */
async function withDriverFailing(driver: string, error: Error) {
  vi.resetModules();
  vi.doMock(driver, () => {
    throw error;
  });
  const { sqliteStorage } = await import("../../src/storage/sqlite.js");
  const { postgresStorage } = await import("../../src/storage/postgres.js");
  const { V1Reader } = await import("../../src/migration/v1-reader.js");
  const { StorageError } = await import("../../src/errors.js");
  return { sqliteStorage, postgresStorage, V1Reader, StorageError };
}

afterEach(() => {
  vi.doUnmock("pg");
  vi.doUnmock("better-sqlite3");
  vi.resetModules();
});

type Lib = Awaited<ReturnType<typeof withDriverFailing>>;

/** What the first call on a storage, or opening a V1 file, throws. */
const opens = {
  "postgres storage": async (lib: Lib) => {
    // Never contacted: the driver is needed before any connection.
    const storage = lib.postgresStorage({ connectionString: "postgres://u:p@127.0.0.1:9/db" });
    try {
      return await storage.getSession("s1").catch((e: unknown) => e);
    } finally {
      await storage.close();
    }
  },
  "sqlite storage": async (lib: Lib) => {
    const storage = lib.sqliteStorage({ dbPath: join(dir, "sessions.db") });
    try {
      return await storage.getSession("s1").catch((e: unknown) => e);
    } finally {
      await storage.close();
    }
  },
  "V1Reader.open": (lib: Lib) => lib.V1Reader.open(join(dir, "v1.db")).catch((e: unknown) => e),
};

const cases: { driver: string; user: keyof typeof opens; dependency: string }[] = [
  { driver: "pg", user: "postgres storage", dependency: "pg-pool" },
  { driver: "better-sqlite3", user: "sqlite storage", dependency: "bindings" },
  { driver: "better-sqlite3", user: "V1Reader.open", dependency: "bindings" },
];

describe("a storage driver installed but failing to import", () => {
  it.each(cases)(
    "$user: a StorageError that $driver failed to load, and why",
    async ({ driver, user, dependency }) => {
      const reason = notFound(dependency, `/app/node_modules/${driver}/lib/index.js`);
      const lib = await withDriverFailing(driver, reason);
      const error = await opens[user](lib);
      expect(error).toBeInstanceOf(lib.StorageError);
      const message = (error as Error).message;
      expect(message).toContain(`"${driver}" is installed but failed to load: ${reason.message}`);
      expect(message).not.toContain("npm install");
    },
  );
});

describe("a storage driver not installed", () => {
  it.each(cases)("$user: a StorageError that says to npm install $driver", async (c) => {
    const lib = await withDriverFailing(c.driver, notFound(c.driver, "/app/index.js"));
    const error = await opens[c.user](lib);
    expect(error).toBeInstanceOf(lib.StorageError);
    expect((error as Error).message).toContain(
      `"${c.driver}" is needed for this feature: npm install ${c.driver}`,
    );
  });
});
