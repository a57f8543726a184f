/**
 * Dependencies installed the ways that go wrong in users' projects, written into a consumer's
 * node_modules (see consumer.ts): a package that is there but fails to import, better-sqlite3
 * without its addon or with one built for another platform.
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { repo } from "./consumer.js";

/** An ES module package `name` whose entry point is `source` (which may fail as it loads). */
export function installPackage(modules: string, name: string, source: string): void {
  const dir = join(modules, name);
  mkdirSync(dir, { recursive: true });
  const manifest = { name, version: "99.0.0", type: "module", exports: { ".": "./index.js" } };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  writeFileSync(join(dir, "index.js"), source);
}

/**
 * better-sqlite3 as `--ignore-scripts` leaves it (the package and its loader's dependencies, no
 * build/), with `addon` written where its build would put the native addon.
 */
export function installBetterSqlite3(modules: string, addon?: Buffer): void {
  const manifest = createRequire(join(repo, "package.json")).resolve("better-sqlite3/package.json");
  const copy = (from: string, name: string, files = [""]): void => {
    for (const f of files) cpSync(join(from, f), join(modules, name, f), { recursive: true });
  };
  copy(dirname(manifest), "better-sqlite3", ["package.json", "lib"]);
  const fromSqlite = createRequire(manifest);
  for (const dep of ["bindings", "file-uri-to-path"]) {
    copy(dirname(fromSqlite.resolve(`${dep}/package.json`)), dep);
  }
  if (addon === undefined) return;
  const release = join(modules, "better-sqlite3", "build", "Release");
  mkdirSync(release, { recursive: true });
  writeFileSync(join(release, "better_sqlite3.node"), addon);
}

/** A native addon built for macOS (a 64-bit Mach-O header): dlopen refuses it on Linux. */
export function macOsAddon(): Buffer {
  const file = Buffer.alloc(8192);
  file.writeUInt32LE(0xfeedfacf, 0);
  return file;
}
