/**
 * An install that skipped dependency install scripts (`--ignore-scripts`, pnpm's default, npm's
 * allowScripts gate) leaves better-sqlite3 importable without its native addon, which it loads at
 * the first `new Database()`. That failure must say the addon is missing and to rebuild it, not
 * "cannot open <file>: Could not locate the bindings file" and 13 paths, which blames the file.
 * So must an addon that is there but that dlopen refuses (node_modules copied from a Mac into a
 * Linux image, glibc against musl, a truncated download): Node's ERR_DLOPEN_FAILED.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { nativeAddonProblem } from "../../src/internal/lazy.js";

const dir = mkdtempSync(join(tmpdir(), "lss-addon-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The error better-sqlite3 throws without its addon, made by its own loader (the `bindings`
 * package, resolved from better-sqlite3 as it is there) looking in a folder that has no build.
 */
function bindingsNotFound(): Error {
  const require = createRequire(import.meta.url);
  const bindings = createRequire(require.resolve("better-sqlite3"))("bindings") as (opts: {
    bindings: string;
    module_root: string;
  }) => unknown;
  try {
    bindings({ bindings: "better_sqlite3.node", module_root: dir });
  } catch (error) {
    return error as Error;
  }
  throw new Error("bindings found an addon in an empty folder");
}

// Node's own text for an addon built against another Node.js (node_binding.cc, ERR_DLOPEN_FAILED).
const versionMismatch = Object.assign(
  new Error(
    "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      "was compiled against a different Node.js version using\n" +
      "NODE_MODULE_VERSION 108. This version of Node.js requires\n" +
      "NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\n" +
      "the module (for instance, using `npm rebuild` or `npm install`).",
  ),
  { code: "ERR_DLOPEN_FAILED" },
);

// Node's own error for a .node file dlopen refuses (here: a macOS build on Linux).
const wrongPlatform = Object.assign(
  new Error(
    "/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node: invalid ELF header",
  ),
  { code: "ERR_DLOPEN_FAILED" },
);

describe("nativeAddonProblem", () => {
  it("recognises the addon never built, and says to rebuild it", () => {
    const error = bindingsNotFound();
    expect(error.message).toMatch(/^Could not locate the bindings file/);
    const advice = nativeAddonProblem("better-sqlite3", error);
    expect(advice).toMatch(/native addon is missing/);
    expect(advice).toContain("npm rebuild better-sqlite3");
    expect(advice).not.toContain("Tried:");
  });

  it("recognises an addon built for another Node.js, naming both versions", () => {
    const advice = nativeAddonProblem("better-sqlite3", versionMismatch);
    expect(advice).toMatch(/another Node\.js \(NODE_MODULE_VERSION 108; this one needs 115\)/);
    expect(advice).toContain("npm rebuild better-sqlite3");
  });

  it("recognises an addon dlopen refuses, keeping Node's text, which names the file", () => {
    const advice = nativeAddonProblem("better-sqlite3", wrongPlatform);
    expect(advice).toMatch(/native addon cannot be loaded on this platform/);
    expect(advice).toContain("npm rebuild better-sqlite3");
    expect(advice).toContain(wrongPlatform.message);
  });

  it("leaves every other failure alone", () => {
    const cantOpen = Object.assign(new Error("unable to open database file"), {
      code: "SQLITE_CANTOPEN",
    });
    for (const error of [cantOpen, new Error("file is not a database"), "text", null, undefined]) {
      expect(nativeAddonProblem("better-sqlite3", error)).toBeNull();
    }
  });
});

/** The library, loaded afresh with a better-sqlite3 whose `new Database()` throws `error`. */
async function withBrokenAddon(error: Error) {
  vi.resetModules();
  vi.doMock("better-sqlite3", () => ({
    default: class {
      constructor() {
        throw error;
      }
    },
  }));
  const { sqliteStorage } = await import("../../src/storage/sqlite.js");
  const { V1Reader } = await import("../../src/migration/v1-reader.js");
  const { StorageError, ValidationError } = await import("../../src/errors.js");
  return { sqliteStorage, V1Reader, StorageError, ValidationError };
}

afterEach(() => {
  vi.doUnmock("better-sqlite3");
  vi.resetModules();
});

describe("opening SQLite without better-sqlite3's addon", () => {
  it.each([
    { name: "never built", error: bindingsNotFound },
    { name: "built for another Node.js", error: () => versionMismatch },
    { name: "built for another platform", error: () => wrongPlatform },
  ])("storage ($name): a StorageError that says to rebuild better-sqlite3", async (c) => {
    const thrown = c.error();
    const lib = await withBrokenAddon(thrown);
    const storage = lib.sqliteStorage({ dbPath: join(dir, "sessions.db") });
    try {
      const error = await storage.getSession("s1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(lib.StorageError);
      const message = (error as Error).message;
      expect(message).toContain("npm rebuild better-sqlite3");
      expect(message).not.toMatch(/cannot open|Tried:/);
      expect((error as Error).cause).toBe(thrown);
    } finally {
      await storage.close();
    }
  });

  it.each([
    { name: "never built", error: bindingsNotFound },
    { name: "built for another platform", error: () => wrongPlatform },
  ])(
    "V1Reader.open ($name): a StorageError that says to rebuild, not an invalid source",
    async (c) => {
      const lib = await withBrokenAddon(c.error());
      const error = await lib.V1Reader.open(join(dir, "v1.db")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(lib.StorageError);
      expect(error).not.toBeInstanceOf(lib.ValidationError);
      expect((error as InstanceType<typeof lib.StorageError>).backend).toBe("v1");
      expect((error as Error).message).toContain("npm rebuild better-sqlite3");
      expect((error as Error).message).not.toContain("invalid source");
    },
  );
});
