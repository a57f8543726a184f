import { resolve } from "node:path";
import { z } from "zod";
import { parseOrThrow } from "../config.js";
import { StorageError, ValidationError } from "../errors.js";
import type { SessionStorage } from "../storage/types.js";
import { convertSession } from "./convert.js";
import type { ConvertedSession, ConvertOptions } from "./convert.js";
import { closeTarget, isSessionStorage, openTarget } from "./target.js";
import type { MigrationTarget, OpenedTarget } from "./target.js";
import { V1Reader } from "./v1-reader.js";
import type { V1Session } from "./v1-reader.js";
import { V1Clock } from "./v1-time.js";
import { checkpoints } from "./checkpoint.js";
import { MigrationAbortedError } from "./errors.js";
import { untilAborted } from "./abortable.js";
import { writeConverted } from "./write.js";

const GIVEN_UP =
  "the run stopped while this session was being written and the target had not answered: " +
  "it may still be stored, whole or in part; the next run completes it or finds it whole";

/** Progress after each session. */
export interface MigrationProgress {
  totalSessions: number;
  processedSessions: number;
  migratedSessions: number;
  skippedSessions: number;
  failedSessions: number;
  migratedMessages: number;
  elapsedMs: number;
}

export interface MigrateV1Options {
  /** Path of the V1 SQLite file (`langswarm_sessions.db`); opened read-only. */
  source: string;
  /** A `SessionStorage`, a SQLite path, or a `postgres://` connection string. */
  target: MigrationTarget;
  /** Read and convert everything, write nothing (the target is not even opened). */
  dryRun?: boolean;
  /** V1 rows read per page. @default 100 */
  batchSize?: number;
  /** IANA zone the V1 host wrote its naive timestamps in. @default the machine's zone */
  timezone?: string;
  /** `keep` V1 ids (default) or `renew` them (a stable UUID per V1 id). */
  sessionIds?: "keep" | "renew";
  /** V1 provider name → V2 provider name, merged over the defaults. */
  providerMap?: Record<string, string>;
  onProgress?: (progress: MigrationProgress) => void;
  /**
   * Stops the run after the session it is at (a Ctrl+C; a write under way gets 3 seconds
   * to finish), or without it when the target does not answer by then: it throws a
   * `MigrationAbortedError` with the report of what was done, and the next run resumes from there.
   */
  signal?: AbortSignal;
}

/** The outcome of a migration run; written as `migration_report.json` by the CLI. */
export interface MigrationReport {
  source: string;
  target: string;
  dryRun: boolean;
  timezone: string;
  totalSessions: number;
  migratedSessions: number;
  failedSessions: number;
  skippedSessions: number;
  totalMessages: number;
  migratedMessages: number;
  /**
   * V1 messages of skipped sessions that are not in V2: those sessions changed in V2 after an
   * earlier migration and were left alone (each has a warning). Zero after a complete migration.
   */
  unmigratedMessages: number;
  errors: { sessionId: string; error: string }[];
  warnings: { sessionId: string; warning: string }[];
  /** V1 provider names no mapping knew; those sessions keep the V1 name. */
  unknownProviders: string[];
  durationMs: number;
  /** Why the run stopped early (set on the report a `MigrationAbortedError` carries). */
  fatal?: string;
}

const Options = z.strictObject({
  source: z.string().min(1),
  target: z.union([z.string().min(1), z.custom<SessionStorage>(isSessionStorage)]),
  dryRun: z.boolean().default(false),
  batchSize: z.number().int().min(1).max(100_000).default(100),
  timezone: z.string().min(1).optional(),
  sessionIds: z.enum(["keep", "renew"]).default("keep"),
  providerMap: z.record(z.string(), z.string().min(1)).default({}),
  onProgress: z.custom<(p: MigrationProgress) => void>((v) => typeof v === "function").optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/**
 * Migrates a V1 session database into V2 storage. Idempotent and resumable: sessions already
 * migrated are skipped, an interrupted session is completed. A bad row becomes an entry in
 * `errors`; only invalid options, an unreadable source or a target that stops answering make it
 * throw; the last is a `MigrationAbortedError` (a `StorageError`) carrying the partial report,
 * as is a run stopped by its `signal`.
 *
 * ```ts
 * import { migrateV1 } from "@langswarm/session/migration";
 * const report = await migrateV1({ source: "langswarm_sessions.db", target: "sessions.db", timezone: "Europe/Oslo" });
 * console.log(report.migratedSessions, report.errors);
 * ```
 */
export async function migrateV1(options: MigrateV1Options): Promise<MigrationReport> {
  const o = parseOrThrow(Options, options);
  if (typeof o.target === "string" && resolve(o.target) === resolve(o.source)) {
    throw new ValidationError("target", "must not be the V1 source file");
  }
  const clock = new V1Clock(o.timezone);
  const convert: ConvertOptions = { clock, sessionIds: o.sessionIds, providerMap: o.providerMap };
  const started = Date.now();
  const reader = await V1Reader.open(o.source);
  let target: OpenedTarget | null = null;
  const report = emptyReport(o.source, o.dryRun, clock.timeZone);
  const unknown = new Set<string>();
  try {
    target = o.dryRun ? null : openTarget(o.target);
    report.target = target?.label ?? "(dry run: not opened)";
    report.totalSessions = reader.count();
    const checkpoint = checkpoints(o.signal);
    for (const entry of reader.entries(o.batchSize)) {
      await checkpoint();
      if (!entry.ok) {
        report.errors.push({ sessionId: entry.sessionId, error: entry.error });
      } else {
        const storage = target?.storage ?? null;
        await migrateOne(entry.session, { convert, storage, report, unknown, signal: o.signal });
      }
      o.onProgress?.(progress(report, started));
    }
  } catch (error) {
    const stopped = error instanceof StorageError;
    if (!stopped && !(o.signal?.aborted && error === o.signal.reason)) throw error;
    finish(report, unknown, started);
    report.fatal = stopped ? error.message : "aborted";
    throw new MigrationAbortedError(report, error);
  } finally {
    reader.close();
    // A target that stopped answering may fail to close too; the run's own error matters more.
    await closeTarget(target, o.signal).catch(() => undefined);
  }
  return finish(report, unknown, started);
}

function finish(report: MigrationReport, unknown: Set<string>, started: number): MigrationReport {
  report.failedSessions = report.errors.length;
  report.unknownProviders = [...unknown].sort();
  report.durationMs = Date.now() - started;
  return report;
}

/** What `migrateOne` works with; `storage` is null on a dry run. */
interface RunState {
  convert: ConvertOptions;
  storage: SessionStorage | null;
  report: MigrationReport;
  unknown: Set<string>;
  signal: AbortSignal | undefined;
}

async function migrateOne(v1: V1Session, run: RunState): Promise<void> {
  const { storage, report, signal } = run;
  const sessionId = v1.sessionId;
  try {
    const c = convertCounted(v1, run.convert, report);
    for (const warning of c.warnings) report.warnings.push({ sessionId, warning });
    if (c.unknownProvider !== null) run.unknown.add(c.unknownProvider);
    if (!storage) {
      if (c.unstorable) throw c.unstorable;
      // Without the target a session migrated under its `renew` id cannot be found: report it.
      if (c.idProblem !== null) throw new ValidationError("sessionId", c.idProblem);
      report.migratedSessions++;
      report.migratedMessages += c.messages.length;
      return;
    }
    // Only the outcome touches the report: a write left pending by an abort cannot change it.
    const outcome = await untilAborted(writeConverted(storage, c), signal);
    if (outcome.kind === "skipped") {
      report.skippedSessions++;
      report.unmigratedMessages += outcome.missing;
      if (outcome.note) report.warnings.push({ sessionId, warning: outcome.note });
    } else {
      report.migratedSessions++;
      report.migratedMessages += outcome.messages;
    }
  } catch (error) {
    if (signal?.aborted && error === signal.reason) {
      // Given up on (see `untilAborted`): what the target received may still be written.
      report.warnings.push({ sessionId, warning: GIVEN_UP });
      throw error;
    }
    // A target that no longer answers is not a bad row: stop, the next run resumes from here.
    // A storage error on a target that still answers is this row's (e.g. a NUL character that
    // Postgres text refuses): report it and go on.
    if (
      error instanceof StorageError &&
      storage &&
      !(await untilAborted(answers(storage, sessionId), signal))
    ) {
      throw error;
    }
    report.errors.push({ sessionId, error: (error as Error).message });
    report.failedSessions = report.errors.length;
  }
}

/**
 * Converts a session and counts its messages in `totalMessages`, also when converting fails: the
 * report accounts for every V1 message (an exact copy that is kept once counts once).
 */
function convertCounted(
  v1: V1Session,
  options: ConvertOptions,
  report: MigrationReport,
): ConvertedSession {
  try {
    const c = convertSession(v1, options);
    report.totalMessages += c.messages.length;
    return c;
  } catch (error) {
    report.totalMessages += v1.messages.length;
    throw error;
  }
}

async function answers(storage: SessionStorage, sessionId: string): Promise<boolean> {
  try {
    await storage.getSession(sessionId);
    return true;
  } catch {
    return false;
  }
}

function emptyReport(source: string, dryRun: boolean, timezone: string): MigrationReport {
  return {
    source,
    target: "",
    dryRun,
    timezone,
    totalSessions: 0,
    migratedSessions: 0,
    failedSessions: 0,
    skippedSessions: 0,
    totalMessages: 0,
    migratedMessages: 0,
    unmigratedMessages: 0,
    errors: [],
    warnings: [],
    unknownProviders: [],
    durationMs: 0,
  };
}

function progress(r: MigrationReport, started: number): MigrationProgress {
  return {
    totalSessions: r.totalSessions,
    processedSessions: r.migratedSessions + r.skippedSessions + r.errors.length,
    migratedSessions: r.migratedSessions,
    skippedSessions: r.skippedSessions,
    failedSessions: r.errors.length,
    migratedMessages: r.migratedMessages,
    elapsedMs: Date.now() - started,
  };
}
