/**
 * The package as installed, with a dependency missing or half installed: the error must be a
 * `SessionError` that says what to do, not Node's raw module or addon error. Source-level cases:
 * test/providers/sdk-missing.test.ts and test/storage/sqlite-native-addon.test.ts.
 */
import { cpSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumer, pack, repo, type Packed } from "./consumer.js";

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

it("better-sqlite3 installed without running its install script: says to rebuild it", async () => {
  const c = consumer(packed, { type: "module", omit: ["better-sqlite3"] });
  try {
    // As `--ignore-scripts` leaves it: the package and its loader's dependencies, no build/.
    const manifest = createRequire(join(repo, "package.json")).resolve(
      "better-sqlite3/package.json",
    );
    const installed = dirname(manifest);
    const copy = (from: string, name: string, files = [""]): void => {
      for (const f of files) cpSync(join(from, f), join(c.modules, name, f), { recursive: true });
    };
    copy(installed, "better-sqlite3", ["package.json", "lib"]);
    const fromSqlite = createRequire(manifest);
    for (const dep of ["bindings", "file-uri-to-path"]) {
      copy(dirname(fromSqlite.resolve(`${dep}/package.json`)), dep);
    }
    const dbPath = join(c.dir, "sessions.db");
    const options = JSON.stringify({
      storage: "sqlite",
      storageConfig: { dbPath },
      providers: { mock: null },
    });
    c.write("main.mjs", attempt(options, "mock"));
    const out = JSON.parse(await c.run("main.mjs")) as Outcome;
    expect(out).toMatchObject({ isSessionError: true, code: "STORAGE_ERROR" });
    expect(out.message).toContain("npm rebuild better-sqlite3");
    expect(out.message).not.toContain("Tried:");
  } finally {
    c.cleanup();
  }
});
