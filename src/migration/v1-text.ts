import type BetterSqlite3 from "better-sqlite3";

/** SQLite's names for a file's text encoding (`PRAGMA encoding`), as `TextDecoder` labels. */
const LABELS: Readonly<Record<string, string>> = {
  "UTF-8": "utf-8",
  "UTF-16le": "utf-16le",
  "UTF-16be": "utf-16be",
};

/**
 * V1 text checked to be what the file holds. better-sqlite3 reads invalid text as U+FFFD,
 * silently; such a value is read again as bytes (`CAST(col AS BLOB)`, in the file's own encoding:
 * UTF-8, or UTF-16 for a file some tool created so, which `.backup` and VACUUM keep) and decoded
 * strictly. `ignoreBOM` keeps a leading U+FEFF, which is V1's data too.
 *
 * ```ts
 * const text = V1Text.of(db);
 * const history = text.verified(row.history, row.rid, "history");
 * ```
 */
export class V1Text {
  readonly #decoder: InstanceType<typeof TextDecoder>;
  readonly #db: BetterSqlite3.Database;
  readonly #bytes = new Map<string, BetterSqlite3.Statement>();
  /** The file's encoding as SQLite names it, for errors. */
  readonly encoding: string;

  private constructor(db: BetterSqlite3.Database, encoding: string, label: string) {
    this.#db = db;
    this.encoding = encoding;
    this.#decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  }

  /** The decoder of an open file's text; read once, as a file's encoding never changes. */
  static of(db: BetterSqlite3.Database): V1Text {
    const encoding = String(db.pragma("encoding", { simple: true }));
    const label = LABELS[encoding];
    if (label === undefined) throw new Error(`unknown text encoding ${encoding}`);
    return new V1Text(db, encoding, label);
  }

  /**
   * A `sessions` column's value as read (fast, as TEXT), unless it holds U+FFFD: better-sqlite3
   * puts one wherever the bytes are not valid text, so only then are they read again as bytes
   * and decoded strictly (the character may also be V1's own). Reading every row as bytes cost
   * the migration about 8% of its speed.
   */
  verified(value: unknown, rowid: number, column: string): unknown {
    if (value instanceof Uint8Array) return this.decode(value, column); // stored as a BLOB
    if (typeof value !== "string") return value;
    // SQLite's UTF-16 to UTF-8 conversion pairs a lone surrogate with what follows, silently:
    // a UTF-16 file's text is always read again as bytes.
    if (this.encoding === "UTF-8" && !value.includes("\uFFFD")) return value;
    let read = this.#bytes.get(column);
    if (!read) {
      read = this.#db.prepare(`SELECT CAST(${column} AS BLOB) FROM sessions WHERE rowid = ?`);
      this.#bytes.set(column, read.pluck());
    }
    return this.decode(read.get(rowid) as Uint8Array, column);
  }

  /**
   * The text of `bytes`; an `Error` naming the column when they are not valid text. V1 itself
   * cannot load such a row (Python's sqlite3 refuses it), and a replacement character would
   * alter the data.
   */
  decode(bytes: Uint8Array, column: string): string {
    try {
      return this.#decoder.decode(bytes);
    } catch {
      throw new Error(
        `${column} column is not valid ${this.encoding} text; fix it in V1 and re-run`,
      );
    }
  }
}
