/**
 * SQLite schema, versioned with `PRAGMA user_version`.
 * Changelog:
 * - 1: sessions with counters, append-only messages keyed by (session_id, seq), turn leases.
 */
export const CURRENT_SCHEMA_VERSION = 1;
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [1];

/** MIGRATIONS[v] takes a database from version v - 1 to v. */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `
    CREATE TABLE sessions (
      session_id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      provider TEXT NOT NULL,
      model TEXT NOT NULL,
      status TEXT NOT NULL,
      provider_session_id TEXT,
      name TEXT,
      description TEXT,
      context TEXT NOT NULL,
      provider_config TEXT NOT NULL,
      metadata TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_activity INTEGER NOT NULL,
      message_count INTEGER NOT NULL DEFAULT 0,
      last_seq INTEGER NOT NULL DEFAULT 0,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      cached_tokens INTEGER NOT NULL DEFAULT 0,
      cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0,
      unpriced_turns INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_by_user ON sessions (user_id, last_activity DESC, session_id DESC);
    CREATE INDEX sessions_by_activity ON sessions (last_activity DESC, session_id DESC);
    CREATE TABLE messages (
      session_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      message_id TEXT NOT NULL,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      timestamp INTEGER NOT NULL,
      extras TEXT,
      PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX messages_by_id ON messages (session_id, message_id);
    CREATE TABLE turn_leases (
      session_id TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `,
};
