import type BetterSqlite3 from "better-sqlite3";
import type { V1UserRow } from "./v1-reader.js";
import type { V1Text } from "./v1-text.js";

/** A V1 row, by its rowid (listings keep V1's row order). */
interface UserRow {
  rid: number;
  session_id: unknown;
}

// As bytes, decoded strictly (see `V1Text`): as TEXT, an invalid id would read as another.
const ID = "rowid AS rid, CAST(session_id AS BLOB) AS session_id";

// Only text SQLite can parse (as JSON5: Python's NaN): a corrupt row must not fail the listing.
const JSON_USER = `CAST(json_extract(metadata, '$.user_id') AS TEXT)`;
const MISMATCHED = `SELECT ${ID}, ${JSON_USER} AS json_user FROM sessions
  WHERE typeof(metadata) = 'text' AND json_valid(metadata, 2)
  AND json_user IS NOT NULL AND json_user IS NOT user_id`;

/**
 * The `session_id`s of the V1 rows that may be one user's. V1 writes the `user_id` column and
 * `metadata.user_id` from one object; when a hand edit made them differ, the migration takes the
 * JSON's user, so the indexed column alone would list such a row for the wrong user and miss it
 * for its own. Finding those rows reads every row's JSON: done once, and again only after another
 * connection changed the file (`PRAGMA data_version`), so a listing stays an index lookup.
 */
export class V1UserIndex {
  readonly #db: BetterSqlite3.Database;
  readonly #text: V1Text;
  readonly #byColumn: BetterSqlite3.Statement;
  readonly #mismatched: BetterSqlite3.Statement;
  #version: number | null = null;
  #byJsonUser = new Map<string, UserRow[]>();

  constructor(db: BetterSqlite3.Database, text: V1Text) {
    this.#db = db;
    this.#text = text;
    this.#byColumn = db.prepare(`SELECT ${ID} FROM sessions WHERE user_id = ?`);
    this.#mismatched = db.prepare(MISMATCHED);
  }

  /**
   * In row order: the rows whose column or JSON names the user. A superset of the user's
   * sessions (the JSON of a row the column names may name another): the caller checks each
   * converted session's user.
   */
  sessionIdsOf(userId: string): V1UserRow[] {
    const rows = [
      ...(this.#byColumn.all(userId) as UserRow[]),
      ...(this.#mismatchedOf().get(userId) ?? []),
    ].sort((a, b) => a.rid - b.rid);
    return rows.map((r) => this.#idOf(r));
  }

  #idOf(row: UserRow): V1UserRow {
    const bytes = row.session_id;
    try {
      if (!(bytes instanceof Uint8Array)) throw new Error("session_id column is NULL");
      return { sessionId: this.#text.decode(bytes, "session_id") };
    } catch (error) {
      return { sessionId: `rowid:${row.rid}`, error: (error as Error).message };
    }
  }

  #mismatchedOf(): ReadonlyMap<string, UserRow[]> {
    const version = this.#db.pragma("data_version", { simple: true }) as number;
    if (version === this.#version) return this.#byJsonUser;
    const byUser = new Map<string, UserRow[]>();
    for (const row of this.#mismatched.all() as (UserRow & { json_user: string })[]) {
      const rows = byUser.get(row.json_user);
      if (rows) rows.push(row);
      else byUser.set(row.json_user, [row]);
    }
    this.#byJsonUser = byUser;
    this.#version = version;
    return byUser;
  }
}
