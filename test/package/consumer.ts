/**
 * A project that installed this package as npm ships it: the packed tarball unpacked into its
 * node_modules (a real copy, so the package's imports resolve from the project), with only the
 * runtime dependencies beside it, linked from this repository's node_modules. None of the
 * devDependencies (`@types/better-sqlite3`, `@types/pg`…) are there, as in a user's install.
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

export const exec = promisify(execFile);
export const repo = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

export interface Packed {
  /** The unpacked `package/` folder. */
  unpacked: string;
  cleanup(): void;
}

/** Packs the repository's built package (`dist/` as `npm run build` left it) and unpacks it. */
export async function pack(): Promise<Packed> {
  const dir = mkdtempSync(join(tmpdir(), "lss-pack-"));
  const args = ["pack", "--json", "--pack-destination", dir];
  const { stdout } = await exec("npm", args, { cwd: repo });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await exec("tar", ["xzf", join(dir, filename), "-C", dir]);
  return {
    unpacked: join(dir, "package"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Consumer {
  dir: string;
  /** The project's node_modules folder. */
  modules: string;
  write(name: string, text: string): void;
  /** Runs `node <file>` in the project; resolves to the last line it printed. */
  run(file: string): Promise<string>;
  cleanup(): void;
}

/**
 * A project of `type` with the package and its runtime dependencies but `omit`, and the type
 * packages in `types` (`@types/<name>`, default `node`).
 */
export function consumer(
  packed: Packed,
  opts: { type: "module" | "commonjs"; omit?: readonly string[]; types?: readonly string[] },
): Consumer {
  const dir = mkdtempSync(join(tmpdir(), "lss-consumer-"));
  const nm = join(dir, "node_modules");
  cpSync(packed.unpacked, join(nm, "@langswarm", "session"), { recursive: true });
  const link = (name: string): void => {
    mkdirSync(dirname(join(nm, name)), { recursive: true });
    symlinkSync(join(repo, "node_modules", name), join(nm, name), "dir");
  };
  for (const dep of Object.keys(pkg.dependencies)) if (!opts.omit?.includes(dep)) link(dep);
  for (const t of opts.types ?? ["node"]) link(`@types/${t}`);
  const manifest = { name: "consumer", private: true, type: opts.type };
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  return {
    dir,
    modules: nm,
    write: (name, text) => writeFileSync(join(dir, name), text),
    run: async (file) => {
      const { stdout } = await exec(process.execPath, [join(dir, file)], {
        cwd: dir,
        timeout: 20_000,
      });
      return stdout.trim().split("\n").at(-1) ?? "";
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs this repository's tsc on `dir`'s tsconfig.json; resolves to its output ("" if clean). */
export async function tsc(dir: string): Promise<string> {
  const bin = join(repo, "node_modules", "typescript", "bin", "tsc");
  const run = await exec(process.execPath, [bin, "-p", "tsconfig.json"], { cwd: dir }).catch(
    (e: { stdout: string; stderr: string }) => e,
  );
  return `${run.stdout}${run.stderr}`;
}
