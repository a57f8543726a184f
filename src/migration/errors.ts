import { StorageError, ValidationError } from "../errors.js";
import type { MigrationReport } from "./migrate.js";

/**
 * `migrateV1` stopped part-way: the target (or the V1 file) stopped answering, or its `signal`
 * was aborted. `report` holds what was done until then; the next run resumes from there. It is a
 * `StorageError` (code `STORAGE_ERROR`, `backend` of the failing store, or "migration" when
 * aborted) so callers that branch on storage failures keep working; the original error (or the
 * signal's reason) is the `cause`.
 *
 * ```ts
 * try { await migrateV1(options) } catch (e) {
 *   if (e instanceof MigrationAbortedError) writeFileSync("report.json", JSON.stringify(e.report))
 * }
 * ```
 */
export class MigrationAbortedError extends StorageError {
  readonly report: MigrationReport;

  constructor(report: MigrationReport, cause: unknown) {
    // The cause's own "[session] [backend]" prefix would repeat this one's.
    const reason =
      cause instanceof StorageError
        ? cause.message.replace(/^\[session\] \[[^\]]*\] /, "")
        : "aborted";
    const backend = cause instanceof StorageError ? cause.backend : "migration";
    super(backend, `migration stopped: ${reason}`, { cause });
    this.report = report;
  }
}

/**
 * The V1 file has a hot rollback journal (`<file>-journal`): V1 stopped mid-write, and the
 * file holds uncommitted pages that only a read-write open rolls back. The migrator and the
 * bridge open V1 read-only and never change it, so they refuse it (before anything is written)
 * instead of SQLite's bare "attempt to write a readonly database". A `ValidationError` on
 * `source`, like any V1 file that cannot be read; `path` names the file.
 */
export class V1HotJournalError extends ValidationError {
  readonly path: string;

  constructor(path: string) {
    super(
      "source",
      `V1 stopped mid-write: ${path} has a hot rollback journal (${path}-journal); open the ` +
        `file once with sqlite3 (or V1) so SQLite rolls the journal back ` +
        `(sqlite3 '${path}' 'SELECT count(*) FROM sessions'), then migrate`,
    );
    this.path = path;
  }
}
