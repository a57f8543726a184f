import { existsSync } from "node:fs";
import type { Command } from "commander";
import { refuseForeignFile } from "./foreign-file.js";
import { isPostgresUrl } from "../internal/postgres-url.js";
import type { StorageChoice } from "../config.js";
import {
  createSessionManager,
  SessionError,
  ValidationError,
  type SessionManager,
} from "../index.js";

export interface GlobalOptions {
  storage: "memory" | "sqlite" | "postgres";
  db: string;
  connectionString?: string;
}

/** The providers the CLI configures, and the environment variable each one's key comes from. */
const PROVIDER_KEYS: Readonly<Record<string, string | null>> = {
  mock: null,
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
};

/** The variable to set for `provider`'s key when it is unset or empty, else null. */
export function missingKey(provider: string): string | null {
  const variable = Object.hasOwn(PROVIDER_KEYS, provider) ? PROVIDER_KEYS[provider] : null;
  return variable && !process.env[variable] ? variable : null;
}

/**
 * Refuses a provider the CLI cannot use with what to do about it, where the manager could only
 * say "not configured". Names the key's variable, never its value.
 */
/** Whether the command line offers this provider (keys from the environment). */
export function isCliProvider(provider: string): boolean {
  return Object.hasOwn(PROVIDER_KEYS, provider);
}

export function requireProvider(field: string, provider: string): void {
  if (!Object.hasOwn(PROVIDER_KEYS, provider)) {
    const offered = Object.entries(PROVIDER_KEYS)
      .map(([name, variable]) => (variable ? `${name} (${variable})` : name))
      .join(", ");
    // openai-compatible needs a baseURL, which no flag or variable of the CLI gives.
    const why = provider === "openai-compatible" ? " (it needs a baseURL: use the library)" : "";
    throw new ValidationError(
      field,
      `"${provider}" is not available in the CLI${why}; it offers ${offered}`,
    );
  }
  const variable = missingKey(provider);
  if (variable) throw new ValidationError(field, `"${provider}" needs an API key: set ${variable}`);
}

/**
 * Opens a manager from the global flags; provider keys come from the environment only. `mock`
 * configures the mock provider (e.g. a latency, to watch replies stream). `existing`: the
 * command only reads, so a SQLite file that is not there is a mistyped `--db`, not one to make.
 */
export function openManager(
  command: Command,
  mock: Record<string, unknown> | null = null,
  { existing = false } = {},
): SessionManager {
  const g = command.optsWithGlobals<GlobalOptions>();
  if (g.connectionString !== undefined && g.storage !== "postgres") {
    throw new ValidationError("connection-string", "is for --storage postgres");
  }
  if (existing && g.storage === "sqlite" && !existsSync(g.db)) {
    throw new ValidationError("db", `there is no database at ${g.db}`);
  }
  if (g.storage === "sqlite") refuseForeignFile("db", g.db);
  const providers: Record<string, string | Record<string, unknown> | null> = { mock };
  for (const [name, variable] of Object.entries(PROVIDER_KEYS)) {
    if (variable && process.env[variable]) providers[name] = process.env[variable];
  }
  const connectionString = g.connectionString ?? process.env.DATABASE_URL;
  return createSessionManager({ ...storageChoice(g, connectionString), providers });
}

function storageChoice(g: GlobalOptions, connectionString: string | undefined): StorageChoice {
  switch (g.storage) {
    case "postgres":
      if (connectionString !== undefined) {
        const from = g.connectionString !== undefined ? "--connection-string" : "DATABASE_URL";
        requireConnectionString(from, connectionString);
      }
      return { storage: "postgres", storageConfig: { connectionString } };
    case "sqlite":
      return { storage: "sqlite", storageConfig: { dbPath: g.db } };
    case "memory":
      return { storage: "memory" };
    default:
      throw new ValidationError(
        "storage",
        `must be memory, sqlite or postgres, got "${g.storage}"`,
      );
  }
}

/**
 * A connection string pg can use: a postgres://, postgresql:// or socket: URL, or pg's
 * "/socket/dir database" form. Checked here because pg only fails at the first query, with an
 * "Invalid URL" that names no flag. The message never quotes it: it may hold a password.
 */
function requireConnectionString(field: string, text: string): void {
  if (text.trim() === "") throw new ValidationError(field, "must not be empty");
  if (text.startsWith("/")) return;
  if (!isPostgresUrl(text)) {
    throw new ValidationError(field, "is not a valid postgres:// or postgresql:// URL");
  }
}

/** A flag that is a count: plain digits only (`Number()` would take "", " 5", "1e2", "0x10"). */
export function parseCount(flag: string, value: string, min: number, max: number): number {
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(count >= min && count <= max)) {
    throw new ValidationError(flag, `must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return count;
}

/** `1 warning`, `2 warnings`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Prints rows as an aligned plain-text table. */
export function printTable(
  rows: Record<string, unknown>[],
  out: NodeJS.WritableStream = process.stdout,
): void {
  if (rows.length === 0) {
    out.write("(none)\n");
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((r) => columns.map((c) => format(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  out.write(`${line(columns)}\n${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const row of cells) out.write(`${line(row)}\n`);
}

const stdoutGone = new AbortController();

/** Aborted once stdout cannot be written (its reader went away, `| head`): commands stop. */
export const outputClosed: AbortSignal = stdoutGone.signal;

/**
 * Without a listener, the EPIPE of the first write after the reader went away (`sessions list |
 * head`) kills the process with a stack trace, its storage left unclosed. A reader that has what
 * it wants is no failure: the command ends quietly, exit 0. Any other write error is reported and
 * sets exit code 1 (see bin.ts). The writes still to come fail quietly too.
 */
export function watchStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (stdoutGone.signal.aborted) return;
    if (error.code !== "EPIPE") {
      process.stderr.write(`error: cannot write to stdout: ${error.message}\n`);
      process.exitCode = 1;
    }
    stdoutGone.abort();
  });
}

/** Prints an error without a stack for known errors; returns the exit code. */
export function reportError(error: unknown): number {
  const message =
    error instanceof SessionError
      ? `${error.message} (${error.code})`
      : String((error as Error)?.stack ?? error);
  process.stderr.write(`error: ${message}\n`);
  return 1;
}

// C0 and C1 controls and DEL: a newline would break the table, an escape sequence the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** One table cell: times in UTC, text on one line, controls shown as spaces, at most 60 wide. */
function format(value: unknown): string {
  if (value instanceof Date) return `${value.toISOString().replace("T", " ").slice(0, 19)}Z`;
  if (value === null || value === undefined) return "";
  const text = (typeof value === "string" ? value : JSON.stringify(value)).replace(CONTROL, " ");
  return text.length > 60 ? `${wholeCodePoints(text.slice(0, 57))}...` : text;
}

/** Drops a high surrogate left at the end by a cut: alone, it would print as U+FFFD. */
function wholeCodePoints(cut: string): string {
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
