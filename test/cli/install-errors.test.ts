/**
 * The CLI as a project installs it (the packed package: build dist/ first), with a dependency
 * that is installed but fails to load. The CLI prints an error's message, never its `cause`, so
 * the message must name what went wrong: not "npm install" for a package that is there, and not
 * "invalid source" for a good V1 file when it is better-sqlite3's addon that cannot be loaded.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeV1 } from "../migration/fix-helpers.js";
import { installBetterSqlite3, installPackage, macOsAddon } from "../package/broken-installs.js";
import { consumer, pack, type Consumer, type Packed } from "../package/consumer.js";
import { runCli } from "../helpers/cli.js";

let packed: Packed;
beforeAll(async () => {
  packed = await pack();
});
afterAll(() => packed?.cleanup());

/** Runs the project's installed CLI in the project. */
function cli(c: Consumer, args: string[], env: Record<string, string> = {}) {
  const bin = join(c.modules, "@langswarm", "session", "dist", "cli", "bin.js");
  return runCli([bin, ...args], { node: true, cwd: c.dir, env, input: "hello\n" });
}

it("chat, openai installed but needing a Node.js built-in this one lacks: says so, not to install it", async () => {
  const c = consumer(packed, { type: "module", omit: ["openai"] });
  try {
    // As openai 7 on Node 20 (it needs Node 22's node:sqlite); a built-in no Node.js has, so the
    // test holds on every Node.js.
    installPackage(c.modules, "openai", 'import "node:langswarm-no-such-builtin";\n');
    const key = "sk-proj-installTESTKEY0123456789abcdef";
    const args = ["--storage", "memory", "chat", "--provider", "openai", "--model", "gpt-4o"];
    const r = await cli(c, [...args, "--no-stream"], { OPENAI_API_KEY: key });
    const out = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(out).toContain('"openai" is installed but failed to load');
    expect(out).toContain("No such built-in module: node:langswarm-no-such-builtin");
    expect(out).not.toContain("npm install openai");
    expect(out).not.toContain(key);
  } finally {
    c.cleanup();
  }
});

it("migrate, better-sqlite3's addon built for another platform: blames the addon, not the V1 file", async () => {
  const c = consumer(packed, { type: "module", omit: ["better-sqlite3"] });
  try {
    installBetterSqlite3(c.modules, macOsAddon());
    const v1 = join(c.dir, "v1.db");
    writeV1(v1, []); // a good V1 file, written with this repository's working better-sqlite3
    const r = await cli(c, ["migrate", v1, join(c.dir, "out.db"), "--timezone", "UTC"]);
    const out = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(out).toContain("npm rebuild better-sqlite3");
    expect(out).toContain("STORAGE_ERROR");
    expect(out).not.toContain("VALIDATION_ERROR");
    expect(out).not.toContain("invalid source");
  } finally {
    c.cleanup();
  }
});
