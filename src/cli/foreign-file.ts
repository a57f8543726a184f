import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { ValidationError } from "../errors.js";

/**
 * Refuses, untouched, a SQLite file given by hand that holds another application's tables and no
 * schema of ours: most likely a mistyped path, which opening would change for good (our tables,
 * WAL). The library itself lets an application share its file; the command line does not guess.
 * A file with a `sessions` table is left to the storage, which names a V1 file as such.
 */
export function refuseForeignFile(flag: string, path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const tables = appTables(path);
  if (tables === null || tables.length === 0 || tables.includes("sessions")) return;
  const listed = tables.length > 5 ? `${tables.slice(0, 5).join(", ")}, ...` : tables.join(", ");
  throw new ValidationError(
    flag,
    `${path} is not a @langswarm/session database: it holds another application's tables ` +
      `(${listed}); give the sessions a file of their own`,
  );
}

/** The tables of a file with no schema version of ours; null for one of ours or no database. */
function appTables(path: string): string[] | null {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch {
    return null; // not a database the storage can open: it says so itself
  }
  try {
    if (db.pragma("user_version", { simple: true }) !== 0) return null;
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    return names.pluck().all() as string[];
  } catch {
    return null;
  } finally {
    db.close();
  }
}
