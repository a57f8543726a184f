import type { Command } from "commander";
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

/**
 * Opens a manager from the global flags; provider keys come from the environment only. `mock`
 * configures the mock provider (e.g. a latency, to watch replies stream).
 */
export function openManager(
  command: Command,
  mock: Record<string, unknown> | null = null,
): SessionManager {
  const g = command.optsWithGlobals<GlobalOptions>();
  const providers: Record<string, string | Record<string, unknown> | null> = { mock };
  if (process.env.OPENAI_API_KEY) providers.openai = process.env.OPENAI_API_KEY;
  if (process.env.ANTHROPIC_API_KEY) providers.anthropic = process.env.ANTHROPIC_API_KEY;
  const connectionString = g.connectionString ?? process.env.DATABASE_URL;
  return createSessionManager({
    storage: g.storage,
    storageConfig:
      g.storage === "postgres"
        ? { connectionString }
        : g.storage === "sqlite"
          ? { dbPath: g.db }
          : {},
    providers,
  });
}

/** A flag that is a count: plain digits only (`Number()` would take "", " 5", "1e2", "0x10"). */
export function parseCount(flag: string, value: string, min: number, max: number): number {
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(count >= min && count <= max)) {
    throw new ValidationError(flag, `must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return count;
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
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
