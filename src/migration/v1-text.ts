import type BetterSqlite3 from "better-sqlite3";

/** SQLite's names for a file's text encoding (`PRAGMA encoding`), as `TextDecoder` labels. */
const LABELS: Readonly<Record<string, string>> = {
  "UTF-8": "utf-8",
  "UTF-16le": "utf-16le",
  "UTF-16be": "utf-16be",
};

/**
 * Decodes V1 text read as bytes (`CAST(col AS BLOB)`), strictly. better-sqlite3 reads invalid
 * text as U+FFFD, silently; the cast gives the bytes as the file stores them, in its own encoding
 * (UTF-8, or UTF-16 for a file some tool created so: `.backup` and VACUUM keep it), so the
 * decoder is the file's. `ignoreBOM` keeps a leading U+FEFF, which is V1's data too.
 *
 * ```ts
 * const text = V1Text.of(db);
 * const id = text.decode(row.session_id, "session_id");
 * ```
 */
export class V1Text {
  readonly #decoder: InstanceType<typeof TextDecoder>;
  /** The file's encoding as SQLite names it, for errors. */
  readonly encoding: string;

  private constructor(encoding: string, label: string) {
    this.encoding = encoding;
    this.#decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  }

  /** The decoder of an open file's text; read once, as a file's encoding never changes. */
  static of(db: BetterSqlite3.Database): V1Text {
    const encoding = String(db.pragma("encoding", { simple: true }));
    const label = LABELS[encoding];
    if (label === undefined) throw new Error(`unknown text encoding ${encoding}`);
    return new V1Text(encoding, label);
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
