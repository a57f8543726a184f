import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, { default: string; types: string } | string>;
};

it("every subpath of the built package imports cleanly by its package name, in a fresh process", async () => {
  const subpaths = Object.keys(pkg.exports).filter((p) => p !== "./package.json");
  expect(subpaths).toEqual([".", "./testing", "./migration"]);
  const script = subpaths
    .map((p) => `await import(${JSON.stringify(`@langswarm/session${p.slice(1)}`)});`)
    .join("\n");
  // Self-reference resolves through package.json "exports", exactly as a user's import would.
  const { stdout } = await exec(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `${script}\nconst m = await import("@langswarm/session");\nconsole.log(Object.keys(m).sort().join(","));`,
    ],
    { cwd: root },
  );
  const names = stdout.trim().split(",");
  for (const name of [
    "createSessionManager",
    "SessionNotFoundError",
    "ProviderError",
    "StorageFactory",
    "ValidationError",
  ]) {
    expect(names).toContain(name);
  }
});

// Records every module URL the ESM loader resolves, from a loader hook on its own thread.
const TRACE = `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on("message", (url) => seen.push(url));
const hooks = "export let port; export function initialize(d) { port = d.port }" +
  " export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r }";
register("data:text/javascript," + encodeURIComponent(hooks), { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
const { createSessionManager } = await import("@langswarm/session");
const manager = createSessionManager({ storage: "memory" });
await (await manager.createSession("u", "mock", "m")).sendMessage("hi");
await new Promise((r) => setTimeout(r, 100));
port1.close();
console.log(JSON.stringify(seen));
`;

it("loads no provider SDK or database driver until a session needs it", async () => {
  const { stdout } = await exec(process.execPath, ["--input-type=module", "-e", TRACE], {
    cwd: root,
  });
  const seen = JSON.parse(stdout) as string[];
  expect(seen.some((u) => u.includes("/dist/index.js"))).toBe(true);
  expect(
    seen.filter((u) => /node_modules\/(openai|@anthropic-ai|pg|better-sqlite3)\//.test(u)),
  ).toEqual([]);
});

// A TypeScript project on the old "node" resolution reads no "exports": the subpaths' types are
// found through "typesVersions".
it("types every subpath for a project on moduleResolution node as well", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lss-types-"));
  try {
    mkdirSync(join(dir, "node_modules", "@langswarm"), { recursive: true });
    symlinkSync(root, join(dir, "node_modules", "@langswarm", "session"), "dir");
    writeFileSync(
      join(dir, "main.ts"),
      [
        'import { createSessionManager } from "@langswarm/session";',
        'import { createTestManager } from "@langswarm/session/testing";',
        'import { migrateV1 } from "@langswarm/session/migration";',
        "export const used = [createSessionManager, createTestManager, migrateV1];",
      ].join("\n"),
    );
    const typeRoots = join(root, "node_modules", "@types");
    const options = ["--noEmit", "--strict", "--skipLibCheck", "--typeRoots", typeRoots];
    const flags = [...options, "--module", "commonjs", "--moduleResolution", "node", "main.ts"];
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const run = await exec(process.execPath, [tsc, ...flags], { cwd: dir }).catch(
      (e: { stdout: string }) => e,
    );
    expect(run.stdout).toBe("");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
