/**
 * The package as installed, with a dependency missing, half installed or failing to load: the
 * error must be a `SessionError` that says what to do, not Node's raw module or addon error, and
 * must not say to install what is there. Source-level cases: test/providers/sdk-missing.test.ts,
 * test/storage/sqlite-native-addon.test.ts and test/storage/driver-import-failure.test.ts.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installBetterSqlite3, installPackage, macOsAddon } from "./broken-installs.js";
import { consumer, pack, type Packed } from "./consumer.js";

/** Prints, as JSON, what `createSession` threw under these manager options. */
const attempt = (options: string, provider: string) => `
import { createSessionManager, SessionError } from "@langswarm/session";
const manager = createSessionManager(${options});
let out;
try {
  await manager.createSession("u1", ${JSON.stringify(provider)}, "some-model");
  out = { ok: true };
} catch (e) {
  out = { isSessionError: e instanceof SessionError, code: e.code, message: e.message };
}
await manager.close().catch(() => {});
console.log(JSON.stringify(out));
`;

type Outcome = { ok?: true; isSessionError?: boolean; code?: string; message?: string };

let packed: Packed;
beforeAll(async () => {
  packed = await pack();
});
afterAll(() => packed?.cleanup());

describe("a provider SDK missing from the install", () => {
  it.each([
    { provider: "openai", sdk: "openai" },
    { provider: "anthropic", sdk: "@anthropic-ai/sdk" },
  ])("$provider: a ProviderError that says to npm install $sdk", async ({ provider, sdk }) => {
    const c = consumer(packed, { type: "module", omit: [sdk] });
    try {
      // Never contacted: the SDK is needed before any request.
      const settings = { apiKey: "sk-test-0123456789abcdef", baseURL: "http://127.0.0.1:9/v1" };
      const options = JSON.stringify({ storage: "memory", providers: { [provider]: settings } });
      c.write("main.mjs", attempt(options, provider));
      const out = JSON.parse(await c.run("main.mjs")) as Outcome;
      expect(out).toMatchObject({ isSessionError: true, code: "PROVIDER_ERROR" });
      expect(out.message).toContain(`npm install ${sdk}`);
    } finally {
      c.cleanup();
    }
  });
});

it("pg missing: a StorageError that says to npm install pg", async () => {
  const c = consumer(packed, { type: "module", omit: ["pg"] });
  try {
    // Never contacted: the driver is needed before any connection.
    const storageConfig = { connectionString: "postgres://u:p@127.0.0.1:9/db" };
    const options = JSON.stringify({
      storage: "postgres",
      storageConfig,
      providers: { mock: null },
    });
    c.write("main.mjs", attempt(options, "mock"));
    const out = JSON.parse(await c.run("main.mjs")) as Outcome;
    expect(out).toMatchObject({ isSessionError: true, code: "STORAGE_ERROR" });
    expect(out.message).toContain("npm install pg");
  } finally {
    c.cleanup();
  }
});

/** What `createSession` threw with SQLite storage in consumer `c`. */
async function sqliteAttempt(c: ReturnType<typeof consumer>): Promise<Outcome> {
  const options = JSON.stringify({
    storage: "sqlite",
    storageConfig: { dbPath: join(c.dir, "sessions.db") },
    providers: { mock: null },
  });
  c.write("main.mjs", attempt(options, "mock"));
  return JSON.parse(await c.run("main.mjs")) as Outcome;
}

it("better-sqlite3 installed without running its install script: says to rebuild it", async () => {
  const c = consumer(packed, { type: "module", omit: ["better-sqlite3"] });
  try {
    installBetterSqlite3(c.modules);
    const out = await sqliteAttempt(c);
    expect(out).toMatchObject({ isSessionError: true, code: "STORAGE_ERROR" });
    expect(out.message).toContain("npm rebuild better-sqlite3");
    expect(out.message).not.toContain("Tried:");
  } finally {
    c.cleanup();
  }
});

it("better-sqlite3's addon built for another platform: says to rebuild it, not that the file cannot be opened", async () => {
  const c = consumer(packed, { type: "module", omit: ["better-sqlite3"] });
  try {
    installBetterSqlite3(c.modules, macOsAddon());
    const out = await sqliteAttempt(c);
    expect(out).toMatchObject({ isSessionError: true, code: "STORAGE_ERROR" });
    expect(out.message).toContain("native addon cannot be loaded on this platform");
    expect(out.message).toContain("npm rebuild better-sqlite3");
    expect(out.message).toContain("better_sqlite3.node"); // Node's text names the file
    expect(out.message).not.toContain("cannot open");
  } finally {
    c.cleanup();
  }
});

describe("a dependency installed but failing to load: says why, not to install it", () => {
  it("openai, a dependency of its own missing", async () => {
    const c = consumer(packed, { type: "module", omit: ["openai"] });
    try {
      installPackage(c.modules, "openai", 'import "openai-lost-dependency";\n');
      const settings = { apiKey: "sk-test-0123456789abcdef", baseURL: "http://127.0.0.1:9/v1" };
      const options = JSON.stringify({ storage: "memory", providers: { openai: settings } });
      c.write("main.mjs", attempt(options, "openai"));
      const out = JSON.parse(await c.run("main.mjs")) as Outcome;
      expect(out).toMatchObject({ isSessionError: true, code: "PROVIDER_ERROR" });
      expect(out.message).toContain(
        `"openai" is installed but failed to load: Cannot find package 'openai-lost-dependency'`,
      );
      expect(out.message).not.toContain("npm install");
    } finally {
      c.cleanup();
    }
  });

  it("pg, throwing as it loads", async () => {
    const c = consumer(packed, { type: "module", omit: ["pg"] });
    try {
      installPackage(c.modules, "pg", 'throw new TypeError("pg cannot start here");\n');
      const storageConfig = { connectionString: "postgres://u:p@127.0.0.1:9/db" };
      const options = JSON.stringify({
        storage: "postgres",
        storageConfig,
        providers: { mock: null },
      });
      c.write("main.mjs", attempt(options, "mock"));
      const out = JSON.parse(await c.run("main.mjs")) as Outcome;
      expect(out).toMatchObject({ isSessionError: true, code: "STORAGE_ERROR" });
      expect(out.message).toContain('"pg" is installed but failed to load: pg cannot start here');
      expect(out.message).not.toContain("npm install");
    } finally {
      c.cleanup();
    }
  });
});
