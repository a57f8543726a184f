import type { SessionRecord } from "../types.js";
import { recordToRow, rowToRecord, SESSION_COLUMNS } from "./codec.js";
import type { SessionRow } from "./codec.js";
import type { InactiveCondition, SessionPage, SessionQuery } from "./types.js";

/** What the SQL backends (SQLite, Postgres) share beyond the row codec. */

/** `SESSION_COLUMNS` as a list. */
export const SESSION_COLUMN_LIST = SESSION_COLUMNS.split(",").map((c) => c.trim());

/** The columns `updateSession` rewrites, in the order of `mutableValues`. */
export const MUTABLE_COLUMNS = [
  "status",
  "name",
  "description",
  "provider",
  "model",
  "provider_session_id",
  "provider_config",
  "context",
  "metadata",
  "updated_at",
];

const MUTABLE_AT = MUTABLE_COLUMNS.map((c) => SESSION_COLUMN_LIST.indexOf(c));

/** The values of `MUTABLE_COLUMNS` for a patched record, encoded as `recordToRow` does. */
export function mutableValues(r: SessionRecord): unknown[] {
  const row = recordToRow(r);
  return MUTABLE_AT.map((i) => row[i]);
}

/**
 * The listing query: newest activity first, then session id, one row more than the page so the
 * caller knows whether another follows. `bind` records a value and returns its placeholder.
 */
export function listSql(
  query: SessionQuery,
  table: string,
  columns: string,
  bind: (value: unknown) => string,
): string {
  const where: string[] = [];
  if (query.userId !== undefined) where.push(`user_id = ${bind(query.userId)}`);
  if (query.status) where.push(`status = ${bind(query.status)}`);
  if (query.statuses) where.push(statusIn(query.statuses, bind));
  if (query.inactiveBefore) where.push(`last_activity < ${bind(query.inactiveBefore)}`);
  if (query.after) {
    const t = query.after.lastActivity;
    where.push(
      `(last_activity < ${bind(t)} OR (last_activity = ${bind(t)} AND session_id < ${bind(query.after.sessionId)}))`,
    );
  }
  return (
    `SELECT ${columns} FROM ${table}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY last_activity DESC, session_id DESC LIMIT ${bind(query.limit + 1)}`
  );
}

/**
 * A cleanup's act on one session as one statement (see `ConditionalCleanupStorage`): it applies
 * only if the row still matches the condition and no one holds an unexpired turn lease on it,
 * and returns the row (as archived, or as deleted).
 * `leaseNow` is the backend's "now" for lease expiry, as SQL (bound where it is placed).
 */
export function cleanUpSql(
  tables: { sessions: string; leases: string; columns: string },
  id: string,
  action: "archive" | "delete",
  condition: InactiveCondition,
  bind: (value: unknown) => string,
  leaseNow: () => string,
): string {
  const head =
    action === "archive"
      ? `UPDATE ${tables.sessions} SET status = 'archived', updated_at = ${bind(new Date())}`
      : `DELETE FROM ${tables.sessions}`;
  const where = [`session_id = ${bind(id)}`, `last_activity < ${bind(condition.inactiveBefore)}`];
  if (condition.statuses) where.push(statusIn(condition.statuses, bind));
  where.push(
    `NOT EXISTS (SELECT 1 FROM ${tables.leases} AS l WHERE l.session_id = ${bind(id)}` +
      ` AND l.expires_at >= ${leaseNow()})`,
  );
  return `${head} WHERE ${where.join(" AND ")} RETURNING ${tables.columns}`;
}

function statusIn(statuses: readonly string[], bind: (value: unknown) => string): string {
  return statuses.length ? `status IN (${statuses.map(bind).join(", ")})` : "1 = 0";
}

/** A page from the rows of `listSql` (one more than `limit` when more follow). */
export function toPage(rows: SessionRow[], limit: number): SessionPage {
  const sessions = rows.slice(0, limit).map(rowToRecord);
  const last = sessions[sessions.length - 1];
  const more = rows.length > limit && last;
  return {
    sessions,
    next: more ? { lastActivity: last.lastActivity, sessionId: last.sessionId } : null,
  };
}
