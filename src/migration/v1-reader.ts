import type BetterSqlite3 from "better-sqlite3";
import { StorageError, ValidationError } from "../errors.js";
import { importLib, nativeAddonProblem } from "../internal/lazy.js";
import { V1HotJournalError } from "./errors.js";
import { V1Text } from "./v1-text.js";
import { V1UserIndex } from "./v1-users.js";
import { parsePythonJson } from "./v1-json.js";
import { isObject } from "./v1-values.js";

/** One message of a V1 `history` blob, shape-checked (values are still V1's). */
export interface V1Message {
  id: string;
  role: string;
  /** Never null in V1-written rows, but hand-edited rows may have it. */
  content: string | null;
  timestamp: string;
  metadata: unknown;
  tool_calls: unknown;
  tool_call_id: unknown;
  provider_message_id: unknown;
}

/** A V1 session row with both JSON blobs parsed and the required fields checked. */
export interface V1Session {
  /** The `session_id` column: the primary key, authoritative over the JSON copy. */
  sessionId: string;
  /** `SessionMetadata.to_dict()`; the 8 required keys are strings. */
  metadata: Record<string, unknown> & {
    user_id: string;
    provider: string;
    model: string;
    created_at: string;
    updated_at: string;
    status: string;
    session_control: string;
  };
  messages: V1Message[];
  /** `ConversationHistory.to_dict()` without its messages. */
  history: Record<string, unknown>;
  /** Oddities worth reporting that do not stop the migration. */
  warnings: string[];
}

/**
 * One of a user's rows: its `session_id`, or, when that cannot be read, `rowid:N` (as the
 * migration reports it) and why. Declared here, not beside `V1UserIndex`: this file's types are
 * public, and that file's use better-sqlite3's, which come from a package users need not have.
 */
export type V1UserRow =
  { sessionId: string; error?: undefined } | { sessionId: string; error: string };

/** A row read from the V1 file: a session, or why it cannot be migrated. */
export type V1Entry =
  { ok: true; session: V1Session } | { ok: false; sessionId: string; error: string };

interface Row {
  rid: number;
  session_id: unknown;
  user_id: unknown;
  provider: unknown;
  model: unknown;
  status: unknown;
  metadata: unknown;
  history: unknown;
}

/** Columns whose text is migrated: checked to be what the file holds, see `V1Text.verified`. */
const DECODED = ["session_id", "metadata", "history"] as const;

const REQUIRED_METADATA = [
  "user_id",
  "session_id",
  "provider",
  "model",
  "created_at",
  "updated_at",
  "status",
  "session_control",
] as const;
// V1 passes these through as given (`LangSwarmSession(user_id=42)`): json.dumps keeps a number,
// the TEXT column holds its text, and V1 loads, lists and saves such sessions fine.
const NUMBER_AS_TEXT = ["user_id", "session_id", "model"] as const;
const MIRRORED_COLUMNS = ["user_id", "provider", "model", "status"] as const;
// The mirrored columns are only compared with the JSON (a lossy read shows up as a difference).
const METADATA_COLUMNS = "rowid AS rid, session_id, user_id, provider, model, status, metadata";
const COLUMNS = `${METADATA_COLUMNS}, history`;

/**
 * Reads a V1 `langswarm_sessions.db` (the `sessions` table of V1's `SQLiteSessionStorage`),
 * read-only, in rowid batches so memory stays flat whatever the file size.
 *
 * ```ts
 * const reader = await V1Reader.open("langswarm_sessions.db");
 * for (const entry of reader.entries()) console.log(entry.ok ? entry.session.sessionId : entry.error);
 * reader.close();
 * ```
 */
export class V1Reader {
  readonly #db: BetterSqlite3.Database;
  readonly #page: BetterSqlite3.Statement;
  readonly #one: BetterSqlite3.Statement;
  readonly #meta: BetterSqlite3.Statement;
  /** The same for an id stored as a BLOB (a hand edit): no text equals it. */
  readonly #oneBlob: BetterSqlite3.Statement;
  readonly #metaBlob: BetterSqlite3.Statement;
  readonly #users: V1UserIndex;
  readonly #text: V1Text;

  private constructor(db: BetterSqlite3.Database, text: V1Text) {
    this.#db = db;
    this.#text = text;
    this.#page = db.prepare(
      `SELECT ${COLUMNS} FROM sessions WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    );
    const bySessionId = "FROM sessions WHERE sessions.session_id = ?";
    this.#one = db.prepare(`SELECT ${COLUMNS} ${bySessionId}`);
    this.#meta = db.prepare(`SELECT ${METADATA_COLUMNS} ${bySessionId}`);
    const byBlobId = "FROM sessions WHERE sessions.session_id = CAST(? AS BLOB)";
    this.#oneBlob = db.prepare(`SELECT ${COLUMNS} ${byBlobId}`);
    this.#metaBlob = db.prepare(`SELECT ${METADATA_COLUMNS} ${byBlobId}`);
    this.#users = new V1UserIndex(db, text);
  }

  /**
   * Opens a V1 file read-only; `ValidationError` (field `source`) if it is not one, `StorageError`
   * if better-sqlite3 or its native addon is missing or cannot be loaded.
   */
  static async open(path: string): Promise<V1Reader> {
    const { default: Database } = await importLib(
      "better-sqlite3",
      () => import("better-sqlite3"),
      (message, cause) => new StorageError("v1", message, { cause }),
    );
    let db: BetterSqlite3.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (error) {
      // The addon loads at the first `new Database()`: then the source is not at fault.
      const problem = nativeAddonProblem("better-sqlite3", error);
      if (problem) throw new StorageError("v1", problem, { cause: error });
      throw new ValidationError("source", `cannot open ${path}: ${(error as Error).message}`);
    }
    try {
      const columns = db.pragma("table_info(sessions)") as { name: string }[];
      const names = new Set(columns.map((c) => c.name));
      if (!["session_id", "metadata", "history"].every((c) => names.has(c))) {
        throw new ValidationError(
          "source",
          `${path} is not a V1 session database (no sessions table with metadata and history)`,
        );
      }
      return new V1Reader(db, V1Text.of(db));
    } catch (error) {
      db.close();
      if (error instanceof ValidationError) throw error;
      if (isHotJournal(error)) throw new V1HotJournalError(path);
      throw new StorageError("v1", `cannot read ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Number of rows, corrupt ones included. */
  count(): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM sessions").get() as { n: number }).n;
  }

  /**
   * Yields every row, parsed one at a time from pages of `pageSize` rows (keyset pagination on
   * rowid), so at most one page of raw blobs and one parsed session are held at once.
   */
  *entries(pageSize = 100): Generator<V1Entry> {
    let after = 0;
    for (;;) {
      const rows = this.#page.all(after, pageSize) as Row[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.rid;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        rows[i] = undefined as unknown as Row; // let the raw blobs go as soon as they are parsed
        yield parseRow(row, this.#text);
      }
    }
  }

  /**
   * The rows that may be one user's (see `V1UserIndex`), in row order: a `session_id`, or a row
   * whose id cannot be read, under `rowid:N` with why.
   */
  sessionIdsOfUser(userId: string): V1UserRow[] {
    return this.#users.sessionIdsOf(userId);
  }

  /**
   * The metadata of one session, without parsing its history (cheap, for identity checks), or
   * null if there is no such row. Throws an `Error` naming the field when it cannot be read.
   */
  metadataOf(sessionId: string): V1Session["metadata"] | null {
    const row = (this.#meta.get(sessionId) ?? this.#metaBlob.get(sessionId)) as Row | undefined;
    return row ? parseMetadata(decodeRow(row, this.#text), sessionId, []) : null;
  }

  /** One session by its `session_id` column, or null if there is no such row. */
  get(sessionId: string): V1Entry | null {
    const row = (this.#one.get(sessionId) ?? this.#oneBlob.get(sessionId)) as Row | undefined;
    return row ? parseRow(row, this.#text) : null;
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * A read-only connection cannot roll back what a writer left half done: SQLite refuses the first
 * read with this code (its message, "attempt to write a readonly database", says nothing useful).
 */
function isHotJournal(error: unknown): boolean {
  return isObject(error) && error.code === "SQLITE_READONLY_ROLLBACK";
}

/** Parses and shape-checks one row; never throws. */
function parseRow(raw: Row, text: V1Text): V1Entry {
  let sessionId = `rowid:${raw.rid}`;
  try {
    // The id first: an error in another column is reported under it.
    const id = decodeColumn(raw, "session_id", text);
    if (typeof id !== "string") throw new Error("session_id column is NULL");
    sessionId = id;
    return { ok: true, session: parseSession(decodeRow(raw, text), sessionId) };
  } catch (error) {
    return { ok: false, sessionId, error: (error as Error).message };
  }
}

/**
 * The row with its text columns verified in place. Throws an `Error` naming the column when one
 * is not valid text (see `V1Text.verified`).
 */
function decodeRow(row: Row, text: V1Text): Row {
  for (const column of DECODED) decodeColumn(row, column, text);
  return row;
}

function decodeColumn(row: Row, column: (typeof DECODED)[number], text: V1Text): unknown {
  return (row[column] = text.verified(row[column], row.rid, column));
}

function parseSession(row: Row, sessionId: string): V1Session {
  const warnings: string[] = [];
  const metadata = parseMetadata(row, sessionId, warnings);
  const history = parseBlob(row.history, "history");
  const { messages, ...rest } = history;
  if (!Array.isArray(messages)) throw new Error("history.messages is missing or not an array");
  return { sessionId, metadata, messages: messages.map(checkMessage), history: rest, warnings };
}

function parseMetadata(row: Row, sessionId: string, warnings: string[]): V1Session["metadata"] {
  const metadata = parseBlob(row.metadata, "metadata");
  for (const key of NUMBER_AS_TEXT) textOfNumber(row, metadata, key, warnings);
  for (const key of REQUIRED_METADATA) {
    if (typeof metadata[key] !== "string")
      throw new Error(`metadata.${key} is missing or not a string`);
  }
  if (metadata.session_id !== sessionId) {
    warnings.push(`metadata.session_id "${String(metadata.session_id)}" differs from the column`);
  }
  for (const column of MIRRORED_COLUMNS) {
    if (row[column] !== metadata[column]) {
      warnings.push(`column ${column} "${String(row[column])}" differs from metadata.${column}`);
    }
  }
  return metadata as V1Session["metadata"];
}

/**
 * Replaces a finite number under `key` with its text: the column's when it holds the same
 * number (SQLite's text of a float differs from JavaScript's: `1.0e+20`), else `String(value)`.
 */
function textOfNumber(
  row: Row,
  metadata: Record<string, unknown>,
  key: (typeof NUMBER_AS_TEXT)[number],
  warnings: string[],
): void {
  const value = metadata[key];
  if (typeof value !== "number" || !Number.isFinite(value)) return;
  const column = row[key];
  const text = typeof column === "string" && Number(column) === value ? column : String(value);
  metadata[key] = text;
  warnings.push(`metadata.${key} is the number ${String(value)}; migrated as the text "${text}"`);
}

function parseBlob(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "string") throw new Error(`${field} is NULL or not text`);
  let parsed: unknown;
  try {
    parsed = parsePythonJson(value);
  } catch (error) {
    throw new Error(`${field} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${field} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function checkMessage(value: unknown, index: number): V1Message {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`history.messages[${index}] is not an object`);
  }
  const m = value as Record<string, unknown>;
  for (const key of ["id", "role", "timestamp"]) {
    if (typeof m[key] !== "string") {
      throw new Error(`history.messages[${index}].${key} is missing or not a string`);
    }
  }
  // V1 never writes null content, but a hand-edited row may: tolerated, a missing key is not.
  if (typeof m.content !== "string" && m.content !== null) {
    throw new Error(`history.messages[${index}].content is missing or not a string`);
  }
  return m as unknown as V1Message;
}
