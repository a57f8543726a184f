import type BetterSqlite3 from "better-sqlite3";
import { parseOrThrow, SqliteConfig } from "../config.js";
import { SessionError, StorageError, ValidationError } from "../errors.js";
import { importLib, lazy, nativeAddonProblem } from "../internal/lazy.js";
import type { SessionMessage, SessionRecord } from "../types.js";
import { decodeMessage, recordToRow, rowToRecord } from "./codec.js";
import type { SessionRow } from "./codec.js";
import {
  isStorableKey,
  optionalKnown,
  validateCleanup,
  validateCounters,
  validateQuery,
  validateRecord,
} from "./checks.js";
import { messageLimit, notFound, validateMessages } from "./record.js";
import { CURRENT_SCHEMA_VERSION, MIGRATIONS } from "./schema/sqlite.js";
import { prepareStatements, type Statements } from "./sqlite-statements.js";
import type {
  ConditionalCleanupStorage,
  KnownSession,
  MessageQuery,
  SessionPatch,
  SessionQuery,
  SessionStorage,
  StorageUsage,
  TurnCounters,
  TurnLeaseStorage,
} from "./types.js";

export interface SqliteStorageOptions {
  /** File to open (created if missing); `":memory:"` for a private in-memory database. @default "sessions.db" */
  dbPath?: string;
  /** Write-ahead logging: readers never block the writer. @default true */
  enableWal?: boolean;
  /** How long a writer waits for another process's write lock. @default 5000 */
  busyTimeoutMs?: number;
  /** An open better-sqlite3 database to use instead of opening `dbPath` (not closed by `close()`). */
  database?: unknown;
}

const NAME = "sqlite";

/**
 * Embedded storage on one SQLite file through better-sqlite3: WAL, a busy timeout, prepared
 * statements, one immediate transaction per turn. Several processes may share the file.
 *
 * ```ts
 * const manager = createSessionManager({ storage: sqliteStorage({ dbPath: "sessions.db" }) });
 * ```
 */
export function sqliteStorage(
  options: SqliteStorageOptions = {},
): SessionStorage & TurnLeaseStorage & ConditionalCleanupStorage {
  parseOrThrow(SqliteConfig, options, "", "sqlite storage");
  const open = lazy(() => openDatabase(options));
  let opened = false; // whether anything asked for the database, so close() knows to wait for it
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new StorageError(NAME, "the storage is closed");
  };
  // better-sqlite3 is synchronous: each call runs to completion, so transactions never interleave.
  const run = async <T>(fn: (s: Statements) => T): Promise<T> => {
    assertOpen();
    opened = true;
    const statements = await open();
    assertOpen(); // close() may have run while the file was being opened
    return guard(() => fn(statements));
  };

  return {
    name: NAME,
    createSession: (record) =>
      run((s) => {
        const row = recordToRow(validateRecord(record));
        try {
          s.insertSession.run(...row);
        } catch (error) {
          if (isConstraint(error, "PRIMARYKEY", "sessions.session_id")) {
            throw new ValidationError("sessionId", "a session with this id already exists");
          }
          throw error;
        }
      }),
    // An id no session can have is not looked up (see `isStorableKey`).
    getSession: (id) => run((s) => (isStorableKey(id) ? toRecord(s.getSession.get(id)) : null)),
    updateSession: (id, patch: SessionPatch) =>
      run((s) => (isStorableKey(id) ? s.update(id, patch) : null)),
    deleteSession: async (id, known?: KnownSession) => {
      const checked = optionalKnown(known);
      return run((s) => isStorableKey(id) && s.deleteSession(id, checked));
    },
    cleanUpIfInactive: (id, action, condition) =>
      run((s) => {
        validateCleanup(action, condition);
        return isStorableKey(id) ? s.cleanUp(id, action, condition) : null;
      }),
    listSessions: (query: SessionQuery) =>
      run((s) => {
        validateQuery(query);
        const none = query.userId !== undefined && !isStorableKey(query.userId);
        return none ? { sessions: [], next: null } : s.list(query);
      }),
    appendMessages: (id, messages, counters?: TurnCounters) =>
      run((s) => appendTx(s, id, messages, counters)),
    addMessage(id, message) {
      return this.appendMessages(id, [message]);
    },
    getMessages: async (id, opts?: MessageQuery) => {
      const limit = messageLimit(opts);
      const known = optionalKnown(opts?.known);
      return run((s) => readMessages(s, id, limit, known));
    },
    clearMessages: (id) => run((s) => (isStorableKey(id) ? s.clear(id) : notFound(id))),
    getMemoryUsage: () => run((s) => usage(s)),
    acquireTurnLease: (id, holder, ttlMs) =>
      run((s) => {
        if (!isStorableKey(id)) notFound(id);
        const now = Date.now();
        return s.acquireLease.run(id, holder, now + ttlMs, now).changes === 1;
      }),
    renewTurnLease: (id, holder, ttlMs) =>
      run(
        (s) => isStorableKey(id) && s.renewLease.run(Date.now() + ttlMs, id, holder).changes === 1,
      ),
    releaseTurnLease: (id, holder) =>
      run((s) => {
        if (isStorableKey(id)) s.releaseLease.run(id, holder);
      }),
    async close() {
      const first = !closed;
      closed = true;
      // A storage never used has no file to close: opening it now would create one.
      if (!first || !opened) return;
      const s = await open().catch(() => null);
      if (s && !options.database) s.db.close();
    },
  };
}

async function openDatabase(options: SqliteStorageOptions): Promise<Statements> {
  const { default: Database } = await importLib(
    "better-sqlite3",
    () => import("better-sqlite3"),
    (message, cause) => new StorageError(NAME, message, { cause }),
  );
  let path = options.dbPath ?? "sessions.db";
  let db: BetterSqlite3.Database;
  try {
    db = (options.database as BetterSqlite3.Database | undefined) ?? new Database(path);
    path = db.name; // a database given open is named by its own file
  } catch (error) {
    // The addon loads at the first `new Database()`: its failure is no fault of the file.
    const problem = nativeAddonProblem("better-sqlite3", error);
    const message = problem ?? `cannot open ${path}: ${(error as Error).message}`;
    throw new StorageError(NAME, message, { cause: error });
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    refuseForeign(db, path); // before WAL, which would change the file for good
    if (options.enableWal !== false && path !== ":memory:") db.pragma("journal_mode = WAL");
    // Under WAL, NORMAL survives an application crash; only an OS crash may lose the last commits.
    db.pragma("synchronous = NORMAL");
    migrate(db, path);
    return prepareStatements(db);
  } catch (error) {
    if (!options.database) db.close();
    if (error instanceof SessionError) throw error;
    throw new StorageError(NAME, `cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * A file with no schema version but a table of ours is someone else's (a LangSwarm V1 file has a
 * `sessions` table): refused untouched, rather than failing halfway through creating the schema.
 */
function refuseForeign(db: BetterSqlite3.Database, path: string): void {
  const tables = db.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table'
     AND name IN ('sessions', 'messages', 'turn_leases') ORDER BY name`,
  );
  // One read transaction: another process may create our schema between two separate reads.
  const taken = db.transaction(() =>
    db.pragma("user_version", { simple: true }) === 0 ? (tables.pluck().all() as string[]) : [],
  )();
  if (taken.length === 0) return;
  throw new StorageError(
    NAME,
    `${path} is not a @langswarm/session database: it has a ${taken.join(", ")} table of ` +
      `another schema (a LangSwarm V1 file? bring it over with \`langswarm-session migrate\`)`,
  );
}

function migrate(db: BetterSqlite3.Database, path: string): void {
  const version = (): number => db.pragma("user_version", { simple: true }) as number;
  const check = (v: number): void => {
    if (v > CURRENT_SCHEMA_VERSION) {
      throw new StorageError(
        NAME,
        `${path} has schema version ${v}, newer than this library supports ` +
          `(${CURRENT_SCHEMA_VERSION}): upgrade @langswarm/session`,
      );
    }
  };
  check(version());
  if (version() === CURRENT_SCHEMA_VERSION) return;
  db.transaction(() => {
    const from = version(); // re-read under the write lock: another process may have migrated
    check(from);
    for (let v = from + 1; v <= CURRENT_SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${CURRENT_SCHEMA_VERSION}`);
  }).immediate();
}

function appendTx(
  s: Statements,
  id: string,
  messages: readonly SessionMessage[],
  counters: TurnCounters | undefined,
): void {
  validateMessages(messages);
  validateCounters(counters);
  if (!isStorableKey(id)) notFound(id);
  try {
    s.append(id, messages, counters);
  } catch (error) {
    if (!isConstraint(error, "UNIQUE", "messages.message_id")) throw error;
    throw new ValidationError("messageId", "a message with this id is already in the session");
  }
}

function readMessages(
  s: Statements,
  id: string,
  limit: number | undefined,
  known: KnownSession | undefined,
): SessionMessage[] {
  if (!isStorableKey(id)) notFound(id);
  if (known && !s.sessionKnown.get(id, known.createdAt.getTime(), known.userId)) notFound(id);
  type Row = Pick<SessionMessage, "role" | "content"> & {
    message_id: string;
    timestamp: number;
    extras: string | null;
  };
  const rows = (
    limit === undefined ? s.allMessages.all(id) : s.newestMessages.all(id, limit).reverse()
  ) as Row[];
  // An empty result is the only case where the session's existence is in doubt.
  if (rows.length === 0 && !s.sessionExists.get(id)) notFound(id);
  return rows.map((r) => decodeMessage(id, r.message_id, r.role, r.content, r.timestamp, r.extras));
}

function usage(s: Statements): StorageUsage {
  const c = s.counts.get() as { sessions: number; messages: number };
  const pages = s.db.pragma("page_count", { simple: true }) as number;
  const pageSize = s.db.pragma("page_size", { simple: true }) as number;
  return {
    backend: NAME,
    sessions: c.sessions,
    messages: c.messages,
    bytes: pages * pageSize,
    details: { file: s.db.name, journalMode: s.db.pragma("journal_mode", { simple: true }) },
  };
}

function toRecord(row: unknown): SessionRecord | null {
  return row ? rowToRecord(row as SessionRow) : null;
}

/**
 * Whether `error` is the violation of this one constraint (`kind` as in SQLITE_CONSTRAINT_<kind>,
 * naming `column`). Any other (a NOT NULL, a trigger's) is not the caller's taken id: mapping every
 * constraint to one message would report a different fault as that one.
 */
function isConstraint(error: unknown, kind: string, column: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === `SQLITE_CONSTRAINT_${kind}` && typeof message === "string" && message.includes(column)
  );
}

/** Raw driver errors become `StorageError`; this library's own errors pass through. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new StorageError(NAME, (error as Error).message, { cause: error });
  }
}
