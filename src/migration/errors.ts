import { StorageError } from "../errors.js";
import type { MigrationReport } from "./migrate.js";

/**
 * `migrateV1` stopped part-way: the target (or the V1 file) stopped answering. `report` holds
 * what was done until then; the next run resumes from there. It is a `StorageError` (code
 * `STORAGE_ERROR`, `backend` of the failing store) so callers that branch on storage failures
 * keep working; the original error is the `cause`.
 *
 * ```ts
 * try { await migrateV1(options) } catch (e) {
 *   if (e instanceof MigrationAbortedError) writeFileSync("report.json", JSON.stringify(e.report))
 * }
 * ```
 */
export class MigrationAbortedError extends StorageError {
  readonly report: MigrationReport;

  constructor(report: MigrationReport, cause: StorageError) {
    // The cause's own "[session] [backend]" prefix would repeat this one's.
    const reason = cause.message.replace(/^\[session\] \[[^\]]*\] /, "");
    super(cause.backend, `migration stopped: ${reason}`, { cause });
    this.report = report;
  }
}
