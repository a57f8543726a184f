import { createHash } from "node:crypto";
import type { PoolClient, QueryResult, QueryResultRow } from "pg";
import type { SessionMessage } from "../types.js";
import { encodeExtras, SESSION_COLUMNS } from "./codec.js";
import { quoteSchema } from "./schema/postgres.js";
import { cleanUpSql, listSql, MUTABLE_COLUMNS, SESSION_COLUMN_LIST } from "./sql.js";
import type { InactiveCondition, SessionQuery, TurnCounters } from "./types.js";

/** A statement prepared once per connection under a name derived from its text. */
export interface Statement {
  name: string;
  text: string;
}

/** A message as `allMessages` and `newestMessages` return it. */
export interface MessageRow {
  message_id: string;
  role: SessionMessage["role"];
  content: string;
  ts: number;
  extras: string | null;
}

const TIMES = new Set(["created_at", "updated_at", "last_activity"]);
/**
 * A timestamptz from epoch milliseconds. `to_timestamp(ms / 1000.0)` goes through a fractional
 * float and beyond about year 6000 lands a microsecond short (read back 1 ms early), and an
 * interval times a big number is float arithmetic too: whole seconds convert exactly, and the
 * milliseconds are added apart.
 */
const fromMs = (param: string): string =>
  `(to_timestamp((${param}::bigint / 1000)::float8) + (${param}::bigint % 1000) * interval '1 millisecond')`;
/** Epoch milliseconds of a timestamptz, as a JS number. */
const toMs = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::float8`;

function statement(text: string): Statement {
  return { name: `lss_${createHash("sha1").update(text).digest("base64url")}`, text };
}

/** The SQL of the Postgres backend, with every table qualified by `schema`. */
export function postgresStatements(schema: string) {
  const s = quoteSchema(schema);
  const param = (c: string, i: number): string => (TIMES.has(c) ? fromMs(`$${i}`) : `$${i}`);
  const columns = SESSION_COLUMN_LIST.map((c) => (TIMES.has(c) ? `${toMs(c)} AS ${c}` : c)).join(
    ", ",
  );
  const message = `message_id, role, content, ${toMs("created_at")} AS ts, extras`;
  const text = {
    insertSession: `INSERT INTO ${s}.sessions (${SESSION_COLUMNS})
      VALUES (${SESSION_COLUMN_LIST.map((c, i) => param(c, i + 1)).join(", ")})`,
    getSession: `SELECT ${columns} FROM ${s}.sessions WHERE session_id = $1`,
    lockSession: `SELECT ${columns} FROM ${s}.sessions WHERE session_id = $1 FOR NO KEY UPDATE`,
    writeSession: `UPDATE ${s}.sessions
      SET ${MUTABLE_COLUMNS.map((c, i) => `${c} = ${param(c, i + 1)}`).join(", ")}
      WHERE session_id = $${MUTABLE_COLUMNS.length + 1}`,
    sessionExists: `SELECT 1 FROM ${s}.sessions WHERE session_id = $1`,
    // $2, $3: the session as the deleter read it (`KnownSession`), or nulls.
    deleteSession: `DELETE FROM ${s}.sessions WHERE session_id = $1 AND ${knownRow("$2", "$3")}`,
    resetCount: `UPDATE ${s}.sessions SET message_count = 0, updated_at = ${fromMs("$2")}
      WHERE session_id = $1`,
    deleteMessages: `DELETE FROM ${s}.messages WHERE session_id = $1`,
    append: appendSql(s, false),
    appendFenced: appendSql(s, true),
    storedMessages: `SELECT message_id, role, content FROM ${s}.messages
      WHERE session_id = $1 AND message_id = ANY($2::text[])`,
    // $2, $3: the session as the reader knows it (`KnownSession`), or nulls.
    allMessages: `SELECT ${message} FROM ${s}.messages WHERE session_id = $1 AND ${knownAs(s)}
      ORDER BY seq`,
    newestMessages: `SELECT ${message} FROM (SELECT * FROM ${s}.messages WHERE session_id = $1
      AND ${knownAs(s)} ORDER BY seq DESC LIMIT $4) AS newest ORDER BY seq`,
    sessionKnown: `SELECT 1 FROM ${s}.sessions WHERE session_id = $1 AND ${knownAs(s)}`,
    // FOR UPDATE: the one row lock that waits for a lease grant's FOR KEY SHARE.
    lockForCleanup: `SELECT 1 FROM ${s}.sessions WHERE session_id = $1 FOR UPDATE`,
    counts: `SELECT (SELECT count(*) FROM ${s}.sessions)::float8 AS sessions,
      (SELECT count(*) FROM ${s}.messages)::float8 AS messages`,
    sizes: `SELECT c.relname AS name, pg_total_relation_size(c.oid)::float8 AS bytes,
        pg_indexes_size(c.oid)::float8 AS index_bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname = ANY($2::text[]) ORDER BY 1`,
    // Server time, so instances on machines whose clocks differ agree on expiry, taken when the
    // lease is granted (clock_timestamp, not the statement's start): the session row is locked
    // first (its foreign-key check would wait there anyway), so a wait for a lock never grants a
    // lease already spent. Reports whether the session exists and whether the lease was taken.
    acquireLease: `WITH s AS (
        SELECT 1 FROM ${s}.sessions WHERE session_id = $1 FOR KEY SHARE
      ), taken AS (
        INSERT INTO ${s}.turn_leases AS l (session_id, holder, expires_at)
        SELECT $1, $2, clock_timestamp() + $3::float8 * interval '1 millisecond' FROM s
        ON CONFLICT (session_id) DO UPDATE SET holder = excluded.holder,
          expires_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
        WHERE l.expires_at < clock_timestamp() OR l.holder = excluded.holder
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM s)::int AS present, (SELECT count(*) FROM taken)::int AS taken`,
    renewLease: `UPDATE ${s}.turn_leases
      SET expires_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
      WHERE session_id = $1 AND holder = $2`,
    releaseLease: `DELETE FROM ${s}.turn_leases WHERE session_id = $1 AND holder = $2`,
  };
  const statements = Object.fromEntries(
    Object.entries(text).map(([k, v]) => [k, statement(v)]),
  ) as Record<keyof typeof text, Statement>;
  return {
    ...statements,
    /**
     * The listing query for these filters. Dates bind as epoch milliseconds (`fromMs`): `pg`
     * would format them in the process's time zone, whose offset before about 1900 has seconds
     * its format drops.
     */
    list(query: SessionQuery): Statement & { values: unknown[] } {
      const values: unknown[] = [];
      const text = listSql(query, `${s}.sessions`, columns, binder(values));
      return { ...statement(text), values };
    },
    /** A cleanup's conditional act; lease expiry by the server's clock, as leases are granted. */
    cleanUp(
      id: string,
      action: "archive" | "delete",
      condition: InactiveCondition,
    ): Statement & { values: unknown[] } {
      const values: unknown[] = [];
      const tables = { sessions: `${s}.sessions`, leases: `${s}.turn_leases`, columns };
      const text = cleanUpSql(
        tables,
        id,
        action,
        condition,
        binder(values),
        () => "clock_timestamp()",
      );
      return { ...statement(text), values };
    },
  };
}

/** Binds a value as the next `$n` (a Date as epoch milliseconds, see `list`). */
function binder(values: unknown[]): (value: unknown) => string {
  return (value) => {
    values.push(value instanceof Date ? value.getTime() : value);
    return value instanceof Date ? fromMs(`$${values.length}`) : `$${values.length}`;
  };
}

/** Whether session $1 is the one known by creation time $2 and user $3 (any, if $2 is null). */
function knownAs(s: string): string {
  return `($2::bigint IS NULL OR EXISTS (SELECT 1 FROM ${s}.sessions WHERE session_id = $1
    AND created_at = ${fromMs("$2")} AND user_id = $3::text))`;
}

/** Whether the row in scope is the session known by creation time `at` and `user` (any if null). */
function knownRow(at: string, user: string): string {
  return `(${at}::bigint IS NULL OR (created_at = ${fromMs(at)} AND user_id = ${user}::text))`;
}

/**
 * One statement, so one transaction: the UPDATE locks the session row (appenders queue on it) and
 * returns the sequence numbers to use; the INSERT writes the batch after them. It reports whether
 * the session exists; a repeated message id fails it whole. Parameters beyond the batch:
 * - $15: the turn makes the session active again;
 * - $16, $17: the session as the turn knows it (creation time, user): another made under its id
 *   is not written to (`KnownSession`);
 * - $18, $19: the provider and model the turn ran on, or nulls (`TurnCounters.ranOn`);
 * - $20, when `fenced`: the lease holder. It writes only while that holder has the lease, whose
 *   row it locks so that no one can take the lease over until it commits, and reports whether
 *   the session is there (`present`) as its row lock found it, and whether the lease was still
 *   the holder's (`leased`; else the provider fence refused it): the statement's snapshot, taken
 *   before the wait for the lock, still sees a session that a delete holding the lock removed.
 *   The session row is locked first, as the lease's taking and a delete (which cascades to the
 *   lease) lock them: in the other order a delete deadlocked it.
 */
function appendSql(s: string, fenced: boolean): string {
  const known = knownRow("$16", "$17");
  const lease = fenced
    ? `locked AS (SELECT 1 FROM ${s}.sessions WHERE session_id = $1 AND ${known}
        FOR NO KEY UPDATE),
      lease AS (SELECT 1 FROM ${s}.turn_leases WHERE session_id = $1 AND holder = $20
        AND EXISTS (SELECT 1 FROM locked) FOR SHARE), `
    : "";
  return `WITH ${lease}s AS (
      UPDATE ${s}.sessions SET last_seq = last_seq + $2, message_count = message_count + $2,
        input_tokens = input_tokens + $3, output_tokens = output_tokens + $4,
        cached_tokens = cached_tokens + $5, cache_creation_tokens = cache_creation_tokens + $6,
        cost_usd = cost_usd + $7, unpriced_turns = unpriced_turns + $8,
        last_activity = GREATEST(last_activity, ${fromMs("$9")}),
        updated_at = COALESCE(${fromMs("$9")}, updated_at),
        status = CASE WHEN $15 THEN 'active' ELSE status END
      WHERE session_id = $1 AND ${known}
        AND ($18::text IS NULL OR (provider = $18::text AND model = $19::text))
        ${fenced ? "AND EXISTS (SELECT 1 FROM lease)" : ""}
      RETURNING last_seq - $2 AS base
    ), inserted AS (
      INSERT INTO ${s}.messages (session_id, seq, message_id, role, content, created_at, extras)
      SELECT $1, s.base + m.n, m.id, m.role, m.content, ${fromMs("m.ms")}, m.extras
      FROM s, unnest($10::text[], $11::text[], $12::text[], $13::float8[], $14::text[])
        WITH ORDINALITY AS m(id, role, content, ms, extras, n)
    )
    SELECT (SELECT count(*) FROM s)::int AS found${
      fenced
        ? `, EXISTS (SELECT 1 FROM locked) AS present, EXISTS (SELECT 1 FROM lease) AS leased`
        : ""
    }`;
}

export type PostgresStatements = ReturnType<typeof postgresStatements>;

/** The parameters of `append`, in its order. */
export function appendValues(
  id: string,
  messages: readonly SessionMessage[],
  counters: TurnCounters | undefined,
): unknown[] {
  const u = counters?.usage;
  return [
    id,
    messages.length,
    u?.inputTokens ?? 0,
    u?.outputTokens ?? 0,
    u?.cachedTokens ?? 0,
    u?.cacheCreationTokens ?? 0,
    counters?.costUsd ?? 0,
    counters && counters.costUsd === null ? 1 : 0,
    counters ? counters.at.getTime() : null,
    messages.map((m) => m.messageId),
    messages.map((m) => m.role),
    messages.map((m) => m.content),
    messages.map((m) => m.timestamp.getTime()),
    messages.map((m) => encodeExtras(m)),
    counters?.activate === true,
    counters?.known?.createdAt.getTime() ?? null,
    counters?.known?.userId ?? null,
    counters?.ranOn?.provider ?? null,
    counters?.ranOn?.model ?? null,
    ...(counters?.leaseHolder === undefined ? [] : [counters.leaseHolder]),
  ];
}

/** Runs a prepared statement (`Statement`) with these values. */
export function run<R extends QueryResultRow = QueryResultRow>(
  c: PoolClient,
  statement: Statement,
  values: unknown[],
): Promise<QueryResult<R>> {
  return c.query<R>({ ...statement, values });
}
