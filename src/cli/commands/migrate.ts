import { writeFileSync } from "node:fs";
import { CommanderError } from "commander";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { MigrationAbortedError, migrateV1, verifyMigration } from "../../migration/index.js";
import type { MigrationProgress, MigrationReport, VerifyReport } from "../../migration/index.js";
import { plural } from "../utils.js";
import { checkOptions, type MigrateOptions } from "./migrate-options.js";

/**
 * Exit codes beyond 0 (success) and 1 (bad input, unreadable source, failing target; the report is
 * still written). 2: sessions failed or V1 messages were left unmigrated (sessions changed in V2).
 */
export const EXIT_FAILED_SESSIONS = 2;
export const EXIT_VERIFY_DIFFERENCES = 3;
/** Stopped by Ctrl+C (128 + SIGINT, as a shell reports it); the report says how far it got. */
export const EXIT_INTERRUPTED = 130;

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
  let report: MigrationReport | null = null;
  const interrupt = onInterrupt();
  const { signal } = interrupt;
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
    if (!interruptedBy(error, signal)) {
      writeFatalReport(options.report, source, error, report);
      throw error;
    }
    const partial = error instanceof MigrationAbortedError ? error.report : report;
    writeFatalReport(options.report, source, new Error("interrupted (Ctrl+C)"), partial);
    // Stopped while verifying: the migration itself is complete.
    const next = report ? "verify: not finished" : "run the same command again to resume";
    const done = partial ? `${partial.migratedSessions} sessions migrated; ` : "";
    process.stderr.write(`interrupted: ${done}${next}\n`);
    return EXIT_INTERRUPTED;
  } finally {
    interrupt.dispose();
  }
}

/** Whether the run stopped for the Ctrl+C, not for a failure that came after it. */
function interruptedBy(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  const cause = error instanceof MigrationAbortedError ? error.cause : error;
  return cause === signal.reason;
}

/**
 * The first Ctrl+C stops the run after the session it is at, so that the report says how far it
 * got; a second one ends the process at once (the next run resumes either way).
 */
function onInterrupt(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = (): void => {
    process.off("SIGINT", stop);
    process.stderr.write("\nstopping after the current session (Ctrl+C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", stop);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", stop) };
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

/** A bar on a terminal; on a pipe, a plain line at most once a second and at the end. */
function progressDisplay(): { update: (p: MigrationProgress) => void; stop: () => void } {
  const rate = (n: number, p: MigrationProgress): number =>
    Math.round((n * 1000) / Math.max(p.elapsedMs, 1));
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        // Keep the terminal's line wrapping (the bar is cut to its width instead): by default the
        // bar turns it off, and a Ctrl+C left it off in the user's shell.
        linewrap: true,
        format: "migrating [{bar}] {value}/{total} sessions | {sps} sessions/s | {mps} messages/s",
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let last = -Infinity;
    return {
      update: (p) => {
        // The bar redraws at most 10 times a second; feeding it every session only costs time.
        if (p.elapsedMs - last < 100 && p.processedSessions < p.totalSessions) return;
        last = p.elapsedMs;
        const payload = { sps: rate(p.processedSessions, p), mps: rate(p.migratedMessages, p) };
        if (!started) bar.start(p.totalSessions, 0, payload);
        started = true;
        bar.update(p.processedSessions, payload);
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p) => {
      const done = p.processedSessions === p.totalSessions;
      if (!done && p.elapsedMs - last < 1000) return;
      last = p.elapsedMs;
      process.stderr.write(
        `progress: ${p.processedSessions}/${p.totalSessions} sessions, ${p.migratedMessages} messages, ` +
          `${rate(p.processedSessions, p)} sessions/s, ${rate(p.migratedMessages, p)} messages/s\n`,
      );
    },
    stop: () => undefined,
  };
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
