import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  readlinkSync,
  realpathSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ValidationError } from "../../errors.js";
import { V1Clock } from "../../migration/index.js";
import { targetKind } from "../../migration/target.js";
import { PROVIDER_NAMES } from "../../providers/registry.js";
import { refuseForeignFile } from "../foreign-file.js";
import { parseCount } from "../utils.js";

/** What `migrate` takes from the command line, as commander gives it. */
export interface MigrateOptions {
  report: string;
  dryRun?: boolean;
  verify?: boolean;
  batchSize: string;
  timezone?: string;
  renewIds?: boolean;
  providerMap?: string;
}

/** The options `migrateV1` and `verifyMigration` take, checked. */
export interface CheckedOptions {
  batchSize: number;
  sessionIds: "keep" | "renew";
  providerMap: Record<string, string>;
}

/**
 * Every option, checked before the run starts: a bad one must leave the report of an earlier
 * run as it was, and once the run has started every error writes a report with `fatal`.
 */
export function checkOptions(
  source: string,
  target: string,
  options: MigrateOptions,
): CheckedOptions {
  const batchSize = parseCount("--batch-size", options.batchSize, 1, 100_000);
  // migrateV1 checks the zone too, but only once the run has started.
  new V1Clock(options.timezone);
  const databases = {
    "V1 source": source,
    target: targetKind(target) === "sqlite" ? target : null,
  };
  if (databases.target !== null && realPath(source) === realPath(target)) {
    throw new ValidationError("target", "must not be the V1 source file");
  }
  if (databases.target !== null) refuseForeignFile("target", databases.target);
  requireReportPath("--report", options.report, databases);
  const providerMap = parseProviderMap(options.providerMap);
  return { batchSize, sessionIds: options.renewIds ? "renew" : "keep", providerMap };
}

/** The files of a SQLite database: the report must be none of them. */
const DATABASE_FILES = ["", "-wal", "-journal", "-shm"];

/**
 * A file the report can be written to: named, not a directory, in a writable directory, and not a
 * file of the source or target database (the report would replace it). The report is written
 * after the run, so a path it cannot be written to is refused before it.
 */
function requireReportPath(
  flag: string,
  path: string,
  databases: Record<string, string | null>,
): void {
  if (path.trim() === "") throw new ValidationError(flag, "must not be empty");
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new ValidationError(flag, `is a directory: ${path}`);
  }
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ValidationError(flag, `cannot be written: ${dir} is not a writable directory`);
  }
  // Real paths: a symlink or another spelling of the same file must not get past.
  const report = realPath(path);
  for (const [role, db] of Object.entries(databases)) {
    if (db === null) continue;
    const real = realPath(db);
    if (DATABASE_FILES.some((suffix) => report === real + suffix)) {
      throw new ValidationError(flag, `is a file of the ${role} database ${db}: choose another`);
    }
  }
}

/**
 * Where `path` really is, symlinks resolved; for a file not there yet, its directory's, after
 * following a link that points at it (a dangling link is where the file will be written).
 */
function realPath(path: string, links = 0): string {
  try {
    return realpathSync(path);
  } catch {
    const target = danglingTarget(path);
    if (target !== null && links < 40) return realPath(target, links + 1);
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** What a symlink that points at nothing points at, resolved from its directory; else null. */
function danglingTarget(path: string): string | null {
  try {
    if (!lstatSync(path).isSymbolicLink()) return null;
    return resolve(dirname(path), readlinkSync(path));
  } catch {
    return null;
  }
}

function parseProviderMap(text: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!text) return map;
  for (const pair of text.split(",")) {
    const [from, to, extra] = pair.split("=").map((s) => s.trim());
    if (!from || !to || extra !== undefined) {
      throw new ValidationError("--provider-map", `"${pair}" is not v1name=v2name`);
    }
    map[from] = to;
    // A name of the caller's own adapter is fine, but a typo would strand the sessions: say so.
    if (!PROVIDER_NAMES.includes(to)) {
      process.stderr.write(
        `note: "${to}" is not a built-in provider (${PROVIDER_NAMES.join(", ")}); ` +
          `sessions mapped to it need an adapter of that name\n`,
      );
    }
  }
  return map;
}
