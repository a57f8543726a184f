import type { PoolClient } from "pg";
import { StorageError, ValidationError } from "../../errors.js";

/**
 * Postgres schema, versioned by the one row of `langswarm_schema_version` in the chosen schema.
 * Changelog:
 * - 1: sessions with counters, append-only messages keyed by (session_id, seq), turn leases.
 *
 * Times are `timestamptz` written from epoch milliseconds, so they read back to the millisecond.
 * JSON is kept as `text` (as in SQLite): stored and returned byte for byte, key order included.
 * Ids and user ids compare bytewise (`COLLATE "C"`), the order the other backends list in.
 */
export const CURRENT_SCHEMA_VERSION = 1;
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [1];

const VERSION_TABLE = "langswarm_schema_version";

/** MIGRATIONS[v] takes a schema (`s`, quoted) from version v - 1 to v. */
export const MIGRATIONS: Readonly<Record<number, (s: string) => string>> = {
  1: (s) => `
    CREATE TABLE ${s}.sessions (
      session_id text COLLATE "C" PRIMARY KEY,
      user_id text COLLATE "C" NOT NULL,
      provider text NOT NULL,
      model text NOT NULL,
      status text NOT NULL,
      provider_session_id text,
      name text,
      description text,
      context text NOT NULL,
      provider_config text NOT NULL,
      metadata text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      last_activity timestamptz NOT NULL,
      message_count bigint NOT NULL DEFAULT 0,
      last_seq bigint NOT NULL DEFAULT 0,
      input_tokens bigint NOT NULL DEFAULT 0,
      output_tokens bigint NOT NULL DEFAULT 0,
      cached_tokens bigint NOT NULL DEFAULT 0,
      cache_creation_tokens bigint NOT NULL DEFAULT 0,
      cost_usd double precision NOT NULL DEFAULT 0,
      unpriced_turns bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_by_user ON ${s}.sessions (user_id, last_activity DESC, session_id DESC);
    CREATE INDEX sessions_by_activity ON ${s}.sessions (last_activity DESC, session_id DESC);
    CREATE TABLE ${s}.messages (
      session_id text COLLATE "C" NOT NULL REFERENCES ${s}.sessions ON DELETE CASCADE,
      seq bigint NOT NULL,
      message_id text COLLATE "C" NOT NULL,
      role text NOT NULL,
      content text NOT NULL,
      created_at timestamptz NOT NULL,
      extras text,
      PRIMARY KEY (session_id, seq),
      CONSTRAINT messages_by_id UNIQUE (session_id, message_id)
    );
    CREATE TABLE ${s}.turn_leases (
      session_id text COLLATE "C" PRIMARY KEY REFERENCES ${s}.sessions ON DELETE CASCADE,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    );
  `,
};

/** The tables this backend owns, for size reports. */
export const TABLES = ["sessions", "messages", "turn_leases", VERSION_TABLE];

/** A schema name as SQL: validated as a plain identifier, then quoted (so used exactly as given). */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema) || schema.length > 63) {
    throw new ValidationError("schema", "must be a plain SQL identifier of at most 63 characters");
  }
  // Postgres refuses to create these (42939), which would surface only at first use.
  if (schema.startsWith("pg_")) {
    throw new ValidationError("schema", "names starting with pg_ are reserved");
  }
  return `"${schema}"`;
}

/**
 * Brings the schema to the current version. The version is read first without a lock (the
 * usual case: nothing to do, and no CREATE privilege needed); otherwise the migration runs in
 * one transaction under an advisory lock, so instances starting together migrate once.
 */
export async function migrate(c: PoolClient, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  const check = (v: number): number => {
    if (v > CURRENT_SCHEMA_VERSION) {
      throw new StorageError(
        "postgres",
        `schema "${schema}" has schema version ${v}, newer than this library supports ` +
          `(${CURRENT_SCHEMA_VERSION}): upgrade @langswarm/session`,
      );
    }
    return v;
  };
  if (check(await readVersion(c, s)) === CURRENT_SCHEMA_VERSION) return;
  await c.query("BEGIN");
  try {
    await c.query("SELECT pg_advisory_xact_lock(hashtext('langswarm-session'), hashtext($1))", [
      schema,
    ]);
    const found = await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (found.rowCount === 0) await c.query(`CREATE SCHEMA ${s}`);
    await c.query(
      `CREATE TABLE IF NOT EXISTS ${s}.${VERSION_TABLE} (
         one boolean PRIMARY KEY DEFAULT true CHECK (one), version integer NOT NULL)`,
    );
    const from = check(await readVersion(c, s)); // again, under the lock
    for (let v = from + 1; v <= CURRENT_SCHEMA_VERSION; v++) await c.query(MIGRATIONS[v]!(s));
    await c.query(
      `INSERT INTO ${s}.${VERSION_TABLE} (version) VALUES ($1)
       ON CONFLICT (one) DO UPDATE SET version = excluded.version`,
      [CURRENT_SCHEMA_VERSION],
    );
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** The schema's version; 0 when the schema or its version table does not exist yet. */
async function readVersion(c: PoolClient, s: string): Promise<number> {
  // Inside the migration transaction the table exists, so no error can abort it.
  try {
    const { rows } = await c.query<{ version: number }>(
      `SELECT version FROM ${s}.${VERSION_TABLE}`,
    );
    return rows[0]?.version ?? 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "42P01" || code === "3F000") return 0; // undefined table, undefined schema
    throw error;
  }
}
