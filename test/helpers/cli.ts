import { spawn } from "node:child_process";
import { join } from "node:path";

/** The built CLI: run `npx tsc -p tsconfig.build.json` (or `npm run build`) first. */
export const CLI_BIN = join(import.meta.dirname, "..", "..", "dist", "cli", "bin.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to the CLI's stdin, which is then closed (a pipe, not a terminal). */
  input?: string;
  /** Over this process's environment, from which provider keys and URLs are left out. */
  env?: Record<string, string>;
  cwd?: string;
  /** `args` are node's own (flags, a script), not the CLI's. */
  node?: boolean;
}

const LEFT_OUT = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL"];

/** Runs the CLI to its end and returns its exit code and output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of LEFT_OUT) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, options.node ? args : [CLI_BIN, ...args], {
      env: { ...env, ...options.env },
      cwd: options.cwd,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
