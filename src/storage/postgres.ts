import { setMaxListeners } from "node:events";
import type { Pool, PoolClient } from "pg";
import { parseOrThrow, PostgresConfig } from "../config.js";
import { StorageError, ValidationError } from "../errors.js";
import { lazy } from "../internal/lazy.js";
import { decodeMessage, recordToRow, rowToRecord } from "./codec.js";
import type { SessionRow } from "./codec.js";
import {
  isStorableKey,
  optionalKnown,
  validateCleanup,
  validateQuery,
  validateRecord,
} from "./checks.js";
import { appendTurn } from "./postgres-append.js";
import {
  createPool,
  guard,
  hideSecrets,
  isConnectionLoss,
  isRefusedUnsent,
  once,
  onUnique,
  OutcomeUnknown,
  withClient,
} from "./postgres-connection.js";
import { postgresStatements, run } from "./postgres-statements.js";
import type { MessageRow } from "./postgres-statements.js";
import { applyPatch, messageLimit, notFound } from "./record.js";
import { migrate, TABLES } from "./schema/postgres.js";
import { mutableValues, toPage } from "./sql.js";
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

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:5432/db`. @default process.env.DATABASE_URL, else pg's `PG*` variables */
  connectionString?: string;
  /** Most connections the pool opens. @default 10 */
  poolSize?: number;
  /** A `pg.Pool` to use instead of creating one; `close()` leaves it open. */
  pool?: unknown;
  /** Schema that holds the tables, created if missing; used exactly as given. @default "public" */
  schema?: string;
}

const NAME = "postgres";

// Internal, for the migration (see `closeForcibly`): not part of the package's API.
const forcedClosers = new WeakMap<object, () => Promise<void>>();
type Held = { connection?: { stream?: { destroy(): void } } }; // a pg client, as far as needed

/**
 * Internal: closes a `postgresStorage` without waiting for the calls still running on it (`close()`
 * waits, for good on a server that never answers): their connections are ended, so those calls
 * fail and the pool ends. Null for any other storage.
 */
export function closeForcibly(storage: SessionStorage): Promise<void> | null {
  return forcedClosers.get(storage)?.() ?? null;
}

// A process frozen or cut off inside a transaction (a paused VM, a lost network) would keep its
// row locks until TCP gives up, hours later, and other instances' turns would wait all that time.
// Our transactions never idle for long; set per transaction, it works with any pool or pooler.
const BEGIN = "BEGIN; SET LOCAL idle_in_transaction_session_timeout = 10000";

/**
 * Storage on Postgres through a `pg` pool, for several app instances on one database. Each turn
 * is one statement (so one transaction) that locks the session row, numbers the messages and
 * adds the counters. Connects, and creates or migrates the schema, on first use.
 *
 * ```ts
 * const manager = createSessionManager({ storage: postgresStorage({ connectionString }) });
 * ```
 */
export function postgresStorage(
  options: PostgresStorageOptions = {},
): SessionStorage & TurnLeaseStorage & ConditionalCleanupStorage {
  parseOrThrow(PostgresConfig, options, "", "postgres storage");
  const schema = options.schema ?? "public";
  const sql = postgresStatements(schema); // validates the schema name
  const injected = options.pool as Pool | undefined;
  if (injected !== undefined && typeof injected?.connect !== "function") {
    throw new ValidationError("pool", "must be a pg.Pool");
  }
  const connectionString = options.connectionString ?? process.env.DATABASE_URL;
  hideSecrets(connectionString);
  // The promise, not the pool: close() during the first connection must find the pool to end.
  let own: Promise<Pool> | undefined;
  let closed = false;
  const closing = new AbortController();
  // Every call waiting for a pooled connection listens for close(): any number may wait.
  setMaxListeners(0, closing.signal);
  const assertOpen = (): void => {
    if (closed) throw new StorageError(NAME, "the storage is closed");
  };
  const ready = lazy(async () => {
    const pool = injected ?? (await (own ??= createPool(connectionString, options.poolSize)));
    assertOpen(); // closed while the pool was being created: close() ends it
    await withClient(pool, (c) => migrate(c, schema), closing.signal); // callers retry a lost connection
    return pool;
  });

  const client = async <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => {
    assertOpen();
    const pool = await ready();
    assertOpen(); // close() may have run while connecting; no query starts after it
    return withClient(pool, fn, closing.signal);
  };
  /** Reads and idempotent writes: a lost connection is retried once. */
  const retried = <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => once(() => client(fn));
  /** A transaction is retried once if the connection is lost before COMMIT (it rolled back). */
  const transaction = <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> =>
    retried(async (c) => {
      await c.query(BEGIN);
      let result: T;
      try {
        result = await fn(c);
      } catch (error) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      await c.query("COMMIT").catch((error: unknown) => {
        // pg refuses a query on a connection it saw end, without sending it: rolled back.
        throw isConnectionLoss(error) && !isRefusedUnsent(error)
          ? new OutcomeUnknown("the connection was lost after COMMIT was sent", error)
          : error;
      });
      return result;
    });

  /**
   * An id no session can have is answered as absent without a query (see `isStorableKey`), but
   * only while open: after close() every call fails, whatever its id.
   */
  const unknownKey = (key: unknown): boolean => {
    assertOpen();
    return !isStorableKey(key);
  };
  const append = appendTurn({ client, retried, sql, unknownKey });
  const shutDown = async (force: boolean): Promise<void> => {
    closed = true;
    closing.abort(); // calls waiting for a connection fail now, rather than never
    const pool = own; // an injected pool belongs to the caller
    own = undefined;
    const created = await pool?.catch(() => undefined); // a failed creation has nothing to end
    const ended = created?.end(); // lets the idle connections go
    // The rest are held or opening: destroying their sockets fails what waits on them. pg has no
    // public list of them; pg-pool's connection timeout destroys `_clients`' sockets so too.
    const held = force ? (created as { _clients?: Held[] } | undefined)?._clients : undefined;
    for (const c of held ?? []) c.connection?.stream?.destroy();
    await ended;
  };

  const storage = {
    name: NAME,
    createSession: (record) =>
      guard("createSession", () => {
        const row = recordToRow(validateRecord(record));
        return transaction((c) => run(c, sql.insertSession, row)).then(
          () => undefined,
          onUnique("sessionId", "a session with this id already exists"),
        );
      }),
    // An id no session can have is not sent: pg would read a lone surrogate as another's id.
    getSession: (id) =>
      guard("getSession", async () => {
        if (unknownKey(id)) return null;
        const { rows } = await retried((c) => run<SessionRow>(c, sql.getSession, [id]));
        return rows[0] ? rowToRecord(rows[0]) : null;
      }),
    updateSession: (id, patch: SessionPatch) =>
      guard("updateSession", async () => {
        if (unknownKey(id)) return null;
        return transaction(async (c) => {
          const row = (await run<SessionRow>(c, sql.lockSession, [id])).rows[0];
          if (!row) return null;
          const record = rowToRecord(row);
          applyPatch(record, patch, new Date());
          await run(c, sql.writeSession, [...mutableValues(record), id]);
          return record;
        });
      }),
    deleteSession: (id, known?: KnownSession) =>
      guard("deleteSession", async () => {
        const checked = optionalKnown(known);
        if (unknownKey(id)) return false;
        const values = [id, checked?.createdAt.getTime() ?? null, checked?.userId ?? null];
        const result = await transaction((c) => run(c, sql.deleteSession, values));
        return result.rowCount === 1; // messages and lease go with it (ON DELETE CASCADE)
      }),
    cleanUpIfInactive: (id, action, condition) =>
      guard("cleanUpIfInactive", async () => {
        validateCleanup(action, condition);
        if (unknownKey(id)) return null;
        // The row is locked first, by a statement of its own: a lease being granted (or a turn
        // appending) holds it, and only a statement started after they commit sees their rows.
        // In one statement, the lease check would read the snapshot taken before the wait.
        const statement = sql.cleanUp(id, action, condition);
        const { rows } = await transaction(async (c) => {
          await run(c, sql.lockForCleanup, [id]);
          return c.query<SessionRow>(statement);
        });
        return rows[0] ? rowToRecord(rows[0]) : null;
      }),
    listSessions: (query: SessionQuery) =>
      guard("listSessions", async () => {
        validateQuery(query);
        if (query.userId !== undefined && unknownKey(query.userId)) {
          return { sessions: [], next: null };
        }
        const { rows } = await retried((c) => c.query<SessionRow>(sql.list(query)));
        return toPage(rows, query.limit);
      }),
    appendMessages: (id, messages, counters?: TurnCounters) =>
      guard("appendMessages", () =>
        append(id, messages, counters).catch(
          onUnique("messageId", "a message with this id is already in the session"),
        ),
      ),
    addMessage(id, message) {
      return this.appendMessages(id, [message]);
    },
    getMessages: async (id, opts?: MessageQuery) => {
      const limit = messageLimit(opts);
      const checked = optionalKnown(opts?.known);
      if (unknownKey(id)) notFound(id);
      // Of the session known, in the same statement: not of another made under its id since.
      const known = [checked?.createdAt.getTime() ?? null, checked?.userId ?? null];
      return guard("getMessages", () =>
        retried(async (c) => {
          const { rows } =
            limit === undefined
              ? await run<MessageRow>(c, sql.allMessages, [id, ...known])
              : await run<MessageRow>(c, sql.newestMessages, [id, ...known, limit]);
          // An empty result is the only case where the session's existence is in doubt.
          if (
            rows.length === 0 &&
            (await run(c, sql.sessionKnown, [id, ...known])).rowCount === 0
          ) {
            notFound(id);
          }
          return rows.map((r) =>
            decodeMessage(id, r.message_id, r.role, r.content, r.ts, r.extras),
          );
        }),
      );
    },
    clearMessages: (id) =>
      guard("clearMessages", async () => {
        if (unknownKey(id)) notFound(id);
        await transaction(async (c) => {
          if ((await run(c, sql.resetCount, [id, Date.now()])).rowCount === 0) notFound(id);
          await run(c, sql.deleteMessages, [id]);
        });
      }),
    getMemoryUsage: () =>
      guard("getMemoryUsage", async () => {
        type Size = { name: string; bytes: number; index_bytes: number };
        const { counts, sizes } = await retried(async (c) => ({
          counts: (await run<{ sessions: number; messages: number }>(c, sql.counts, [])).rows[0]!,
          sizes: (await run<Size>(c, sql.sizes, [schema, TABLES])).rows,
        }));
        const pool = await ready();
        return {
          backend: NAME,
          sessions: counts.sessions,
          messages: counts.messages,
          bytes: sizes.reduce((sum, t) => sum + t.bytes, 0),
          details: {
            schema,
            tables: Object.fromEntries(
              sizes.map((t) => [t.name, { bytes: t.bytes, indexBytes: t.index_bytes }]),
            ),
            pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
          },
        } satisfies StorageUsage;
      }),
    // All three are idempotent (taking a lease you hold renews it), so a lost connection is retried.
    acquireTurnLease: (id, holder, ttlMs) =>
      guard("acquireTurnLease", async () => {
        if (unknownKey(id)) notFound(id);
        type Row = { present: number; taken: number };
        const { rows } = await retried((c) => run<Row>(c, sql.acquireLease, [id, holder, ttlMs]));
        if (rows[0]?.present !== 1) notFound(id);
        return rows[0].taken === 1;
      }),
    renewTurnLease: (id, holder, ttlMs) =>
      guard("renewTurnLease", async () => {
        if (unknownKey(id)) return false;
        const result = await retried((c) => run(c, sql.renewLease, [id, holder, ttlMs]));
        return result.rowCount === 1;
      }),
    releaseTurnLease: (id, holder) =>
      guard("releaseTurnLease", async () => {
        if (unknownKey(id)) return;
        await retried((c) => run(c, sql.releaseLease, [id, holder]));
      }),
    close: () => shutDown(false),
  } satisfies SessionStorage & TurnLeaseStorage & ConditionalCleanupStorage;
  forcedClosers.set(storage, () => shutDown(true));
  return storage;
}
