import { writeFileSync } from "node:fs";
import { CommanderError } from "commander";
import type { Command } from "commander";
import { MigrationAbortedError, migrateV1, verifyMigration } from "../../migration/index.js";
import type { MigrationReport, VerifyReport } from "../../migration/index.js";
import { plural } from "../utils.js";
import { ValidationError } from "../../errors.js";
import { checkOptions, type MigrateOptions } from "./migrate-options.js";
import { progressDisplay, watchStderr } from "./migrate-progress.js";
import { interruptedBy, interruptedExitCode, onStopSignals } from "./migrate-signals.js";

/**
 * Exit codes beyond 0 (success) and 1 (bad input, unreadable source, failing target; the report is
 * still written). 2: sessions failed or V1 messages were left unmigrated (sessions changed in V2).
 */
export const EXIT_FAILED_SESSIONS = 2;
export const EXIT_VERIFY_DIFFERENCES = 3;
/**
 * Stopped by Ctrl+C: 130 (128 + SIGINT, as a shell reports it); by SIGTERM 143, SIGHUP 129 (see
 * migrate-signals.ts). The report says how far it got.
 */
export const EXIT_INTERRUPTED = 130;
/** How long an interrupted run may take to end by itself once its report is written. */
const EXIT_GRACE_MS = 2000;

/**
 * `migrate <v1.db> <target>`: V1 → V2 with a progress display and a JSON report.
 *
 * ```sh
 * langswarm-session migrate langswarm_sessions.db sessions.db --timezone Europe/Oslo --verify
 * ```
 */
export function migrateCommand(program: Command): void {
  program
    .command("migrate <v1db> <target>")
    .description(
      "migrate a V1 session database into a SQLite file or a postgres:// database (idempotent, resumable)",
    )
    .option("--report <path>", "where to write the JSON report", "migration_report.json")
    .option("--dry-run", "read and convert everything, write nothing to the target")
    .option("--verify", "after the run, compare every session of source and target")
    .option("--batch-size <n>", "V1 rows read per page", "100")
    .option(
      "--timezone <tz>",
      "IANA zone of the V1 host's naive timestamps (default: this machine's)",
    )
    .option("--renew-ids", "new session ids (stable UUIDs derived from the V1 ids)")
    .option(
      "--provider-map <pairs>",
      "extra provider mappings: mistral=openai-compatible,gemini=mock",
    )
    .action(async (source: string, target: string, options: MigrateOptions) => {
      watchStderr();
      const code = await run(source, target, options);
      if (code !== 0)
        throw new CommanderError(code, "langswarm-session.migrate", "migration incomplete");
    });
}

/**
 * Every way a run that started can stop with exit 1 (unreadable source, failing target, an error
 * while verifying) still writes the report, with `fatal`: it is what an operator reads first. Bad
 * options stop it before it starts, and leave the report of an earlier run as it was.
 */
async function run(source: string, target: string, options: MigrateOptions): Promise<number> {
  const { batchSize, sessionIds, providerMap } = checkOptions(source, target, options);
  markUnfinished(options.report, source);
  let report: MigrationReport | null = null;
  const interruption = onStopSignals();
  const { signal } = interruption;
  try {
    const progress = progressDisplay();
    try {
      report = await migrateV1({
        source,
        target,
        dryRun: options.dryRun ?? false,
        batchSize,
        timezone: options.timezone,
        sessionIds,
        providerMap,
        onProgress: progress.update,
        signal,
      });
    } finally {
      progress.stop();
    }
    let verify: VerifyReport | null = null;
    if (options.verify && !options.dryRun) {
      const o = { source, target, batchSize, timezone: options.timezone, sessionIds, providerMap };
      verify = await verifyMigration({ ...o, signal });
    }
    // The summary first: it is the run's outcome even if the report cannot be written.
    printSummary(report, verify, options.report);
    writeFileSync(options.report, `${JSON.stringify({ ...report, verify }, null, 2)}\n`);
    if (options.verify && options.dryRun) {
      process.stdout.write("verify: skipped on a dry run (nothing was written to compare)\n");
    }
    if (report.failedSessions > 0 || report.unmigratedMessages > 0) return EXIT_FAILED_SESSIONS;
    if (verify && !verify.ok) return EXIT_VERIFY_DIFFERENCES;
    return 0;
  } catch (error) {
    const stoppedBy = interruption.received();
    if (stoppedBy === null || !stoppedBySignal(error, signal)) {
      writeFatalReport(options.report, source, error, report);
      throw error;
    }
    return interrupted(options.report, source, stoppedBy, error, report);
  } finally {
    interruption.dispose();
  }
}

/** Whether the run stopped for the stop signal, not for a failure that came after it. */
function stoppedBySignal(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  const cause = error instanceof MigrationAbortedError ? error.cause : error;
  return cause === signal.reason;
}

/**
 * Written once the options are checked, before the run starts, and replaced however the run ends:
 * a run killed outright (SIGKILL, a power cut) leaves this rather than an earlier run's report,
 * which would pass for this run's. Bad options never get here.
 */
const UNFINISHED =
  "not finished: the run is still going, or was killed before it could write its report";

function markUnfinished(path: string, source: string): void {
  try {
    writeFileSync(
      path,
      `${JSON.stringify({ source, fatal: UNFINISHED, verify: null }, null, 2)}\n`,
    );
  } catch (error) {
    throw new ValidationError("--report", `cannot be written: ${(error as Error).message}`);
  }
}

/** Writes the report of a run a stop signal ended and returns its exit code (128 + signal). */
function interrupted(
  path: string,
  source: string,
  name: Parameters<typeof interruptedBy>[0],
  error: unknown,
  finished: MigrationReport | null,
): number {
  const partial = error instanceof MigrationAbortedError ? error.report : finished;
  writeFatalReport(path, source, new Error(interruptedBy(name)), partial);
  // Stopped while verifying: the migration itself is complete.
  const next = finished ? "verify: not finished" : "run the same command again to resume";
  const done = partial ? `${partial.migratedSessions} sessions migrated; ` : "";
  process.stderr.write(`interrupted: ${done}${next}\n`);
  const code = interruptedExitCode(name);
  // A call left pending on a target that never answers would keep the process alive: the report
  // is out, so quit anyway (unref'd: a process that ends by itself is not held up).
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}

/**
 * The partial report a stopped run carries, the finished migration's report when verifying
 * failed, or just the error when the run stopped before starting.
 */
function writeFatalReport(
  path: string,
  source: string,
  error: unknown,
  finished: MigrationReport | null,
): void {
  const fatal = error instanceof Error ? error.message : String(error);
  const partial = error instanceof MigrationAbortedError ? error.report : finished;
  const body = partial ? { ...partial, fatal, verify: null } : { source, fatal, verify: null };
  try {
    writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
    process.stderr.write(`report: ${path}\n`);
  } catch {
    // the original error matters more than a report that cannot be written
  }
}

function printSummary(r: MigrationReport, verify: VerifyReport | null, path: string): void {
  const out = process.stdout;
  const verb = r.dryRun ? "would migrate" : "migrated";
  out.write(
    `${verb} ${r.migratedSessions}, skipped ${r.skippedSessions}, failed ${r.failedSessions} ` +
      `of ${plural(r.totalSessions, "session")}; ${r.migratedMessages} of ` +
      `${plural(r.totalMessages, "message")} in ${r.durationMs} ms\n`,
  );
  for (const e of r.errors.slice(0, 20)) out.write(`  failed ${e.sessionId}: ${e.error}\n`);
  if (r.errors.length > 20) out.write(`  ... ${r.errors.length - 20} more in the report\n`);
  if (r.warnings.length > 0) {
    const first = r.warnings.length > 5 ? " (first 5)" : "";
    out.write(`${plural(r.warnings.length, "warning")}${first}:\n`);
    for (const w of r.warnings.slice(0, 5)) out.write(`  ${w.sessionId}: ${w.warning}\n`);
  }
  if (r.unmigratedMessages > 0) {
    out.write(
      `${plural(r.unmigratedMessages, "V1 message")} not migrated: ` +
        `${r.unmigratedMessages === 1 ? "its session" : "their sessions"} changed in V2 (see warnings)\n`,
    );
  }
  if (r.unknownProviders.length > 0) {
    out.write(`unknown providers kept as they are: ${r.unknownProviders.join(", ")}\n`);
  }
  if (verify) {
    out.write(
      `verify: ${verify.matchingSessions} of ${verify.checkedSessions} sessions match` +
        (verify.continued.length > 0 ? `, ${verify.continued.length} continued in V2` : "") +
        (verify.ok ? "\n" : `, ${verify.differences.length} differ\n`),
    );
    for (const d of verify.differences.slice(0, 20)) {
      out.write(`  differs ${d.sessionId}: ${d.problem}: ${d.detail}\n`);
    }
  }
  out.write(`report: ${path}\n`);
}
