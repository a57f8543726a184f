import type BetterSqlite3 from "better-sqlite3";
import type { SessionMessage, SessionRecord } from "../types.js";
import { SESSION_COLUMNS, encodeExtras, rowToRecord } from "./codec.js";
import type { SessionRow } from "./codec.js";
import { applyPatch, leaseLost, notFound, providerMoved } from "./record.js";
import { cleanUpSql, listSql, MUTABLE_COLUMNS, mutableValues, toPage } from "./sql.js";
import type {
  InactiveCondition,
  KnownSession,
  SessionPage,
  SessionPatch,
  SessionQuery,
  TurnCounters,
} from "./types.js";

type Statement = BetterSqlite3.Statement;

/** Prepared statements and the transactions built from them, prepared once per database. */
export interface Statements {
  db: BetterSqlite3.Database;
  insertSession: Statement;
  getSession: Statement;
  sessionExists: Statement;
  /** The session, if it is the one known (its creation time and user). */
  sessionKnown: Statement;
  allMessages: Statement;
  newestMessages: Statement;
  counts: Statement;
  acquireLease: Statement;
  renewLease: Statement;
  releaseLease: Statement;
  append(id: string, messages: readonly SessionMessage[], counters?: TurnCounters): void;
  update(id: string, patch: SessionPatch): SessionRecord | null;
  /** False if there is no session `id`, or it is not the one `known`. */
  deleteSession(id: string, known: KnownSession | undefined): boolean;
  cleanUp(
    id: string,
    action: "archive" | "delete",
    condition: InactiveCondition,
  ): SessionRecord | null;
  clear(id: string): void;
  list(query: SessionQuery): SessionPage;
}

export function prepareStatements(db: BetterSqlite3.Database): Statements {
  const placeholders = SESSION_COLUMNS.split(",")
    .map(() => "?")
    .join(", ");
  const getSession = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE session_id = ?`);
  const sessionExists = db.prepare(`SELECT 1 FROM sessions WHERE session_id = ?`);
  const sessionKnown = db.prepare(
    `SELECT 1 FROM sessions WHERE session_id = ? AND created_at = ? AND user_id = ?`,
  );
  const isKnownRow = (id: string, known: KnownSession): boolean =>
    sessionKnown.get(id, known.createdAt.getTime(), known.userId) !== undefined;
  const leaseHolder = db.prepare(`SELECT holder FROM turn_leases WHERE session_id = ?`).pluck();
  const bump = db.prepare(
    `UPDATE sessions SET last_seq = last_seq + @n, message_count = message_count + @n,
       input_tokens = input_tokens + @inputTokens, output_tokens = output_tokens + @outputTokens,
       cached_tokens = cached_tokens + @cachedTokens,
       cache_creation_tokens = cache_creation_tokens + @cacheCreationTokens,
       cost_usd = cost_usd + @cost, unpriced_turns = unpriced_turns + @unpriced,
       last_activity = MAX(last_activity, COALESCE(@at, last_activity)),
       updated_at = COALESCE(@at, updated_at),
       status = CASE WHEN @activate = 1 THEN 'active' ELSE status END
     WHERE session_id = @id
       AND (@knownAt IS NULL OR (created_at = @knownAt AND user_id = @knownUser))
       AND (@ranOnProvider IS NULL OR (provider = @ranOnProvider AND model = @ranOnModel))
     RETURNING last_seq`,
  );
  const insertMessage = db.prepare(
    `INSERT INTO messages (session_id, seq, message_id, role, content, timestamp, extras)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const writeSession = db.prepare(
    `UPDATE sessions SET ${MUTABLE_COLUMNS.map((c) => `${c} = ?`).join(", ")} WHERE session_id = ?`,
  );
  const deleteMessages = db.prepare(`DELETE FROM messages WHERE session_id = ?`);
  const deleteRow = db.prepare(`DELETE FROM sessions WHERE session_id = ?`);
  const deleteLease = db.prepare(`DELETE FROM turn_leases WHERE session_id = ?`);
  const resetCount = db.prepare(
    `UPDATE sessions SET message_count = 0, updated_at = ? WHERE session_id = ?`,
  );
  // Statements whose shape depends on the call (filters, status lists), keyed by their text.
  const shaped = new Map<string, Statement>();
  const prepared = (sql: string): Statement => {
    let stmt = shaped.get(sql);
    if (!stmt) shaped.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  const binder = (params: unknown[]) => (value: unknown) => {
    params.push(value instanceof Date ? value.getTime() : value);
    return "?";
  };

  const append = db.transaction(
    (id: string, messages: readonly SessionMessage[], counters?: TurnCounters) => {
      const fence = counters?.leaseHolder;
      if (fence !== undefined && leaseHolder.get(id) !== fence) {
        // Its lease went with the session: one deleted, or made anew under its id, is not found.
        const known = counters?.known;
        if (!(known ? isKnownRow(id, known) : sessionExists.get(id))) notFound(id);
        leaseLost(id);
      }
      const u = counters?.usage;
      const row = bump.get({
        id,
        n: messages.length,
        inputTokens: u?.inputTokens ?? 0,
        outputTokens: u?.outputTokens ?? 0,
        cachedTokens: u?.cachedTokens ?? 0,
        cacheCreationTokens: u?.cacheCreationTokens ?? 0,
        cost: counters?.costUsd ?? 0,
        unpriced: counters && counters.costUsd === null ? 1 : 0,
        at: counters ? counters.at.getTime() : null,
        activate: counters?.activate ? 1 : 0,
        knownAt: counters?.known?.createdAt.getTime() ?? null,
        knownUser: counters?.known?.userId ?? null,
        ranOnProvider: counters?.ranOn?.provider ?? null,
        ranOnModel: counters?.ranOn?.model ?? null,
      }) as { last_seq: number } | undefined;
      if (!row) {
        const known = counters?.known;
        const there = known ? isKnownRow(id, known) : sessionExists.get(id) !== undefined;
        return there && counters?.ranOn ? providerMoved(id) : notFound(id);
      }
      let seq = row.last_seq - messages.length;
      for (const m of messages) {
        insertMessage.run(
          id,
          ++seq,
          m.messageId,
          m.role,
          m.content,
          m.timestamp.getTime(),
          encodeExtras(m),
        );
      }
    },
  );

  const update = db.transaction((id: string, patch: SessionPatch) => {
    const row = getSession.get(id) as SessionRow | undefined;
    if (!row) return null;
    const record = rowToRecord(row);
    applyPatch(record, patch, new Date());
    writeSession.run(...mutableValues(record), id);
    return record;
  });

  const deleteSession = db.transaction((id: string, known: KnownSession | undefined) => {
    if (known && !isKnownRow(id, known)) return false;
    deleteMessages.run(id);
    deleteLease.run(id);
    return deleteRow.run(id).changes === 1;
  });

  const cleanUp = db.transaction(
    (id: string, action: "archive" | "delete", condition: InactiveCondition) => {
      const params: unknown[] = [];
      const bind = binder(params);
      const tables = { sessions: "sessions", leases: "turn_leases", columns: SESSION_COLUMNS };
      const sql = cleanUpSql(tables, id, action, condition, bind, () => bind(Date.now()));
      const row = prepared(sql).get(...params) as SessionRow | undefined;
      if (!row) return null;
      if (action === "delete") {
        deleteMessages.run(id);
        deleteLease.run(id);
      }
      return rowToRecord(row);
    },
  );

  const clear = db.transaction((id: string) => {
    if (resetCount.run(Date.now(), id).changes === 0) notFound(id);
    deleteMessages.run(id);
  });

  const list = (query: SessionQuery): SessionPage => {
    const params: unknown[] = [];
    const sql = listSql(query, "sessions", SESSION_COLUMNS, binder(params));
    return toPage(prepared(sql).all(...params) as SessionRow[], query.limit);
  };

  return {
    db,
    insertSession: db.prepare(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (${placeholders})`),
    getSession,
    sessionExists,
    sessionKnown,
    allMessages: db.prepare(
      `SELECT message_id, role, content, timestamp, extras FROM messages
       WHERE session_id = ? ORDER BY seq`,
    ),
    // Newest first, straight off the primary key; the caller reverses (cheaper than a sort).
    newestMessages: db.prepare(
      `SELECT message_id, role, content, timestamp, extras FROM messages
       WHERE session_id = ? ORDER BY seq DESC LIMIT ?`,
    ),
    counts: db.prepare(
      `SELECT (SELECT COUNT(*) FROM sessions) AS sessions, (SELECT COUNT(*) FROM messages) AS messages`,
    ),
    acquireLease: db.prepare(
      `INSERT INTO turn_leases (session_id, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE turn_leases.expires_at < ? OR turn_leases.holder = excluded.holder`,
    ),
    renewLease: db.prepare(
      `UPDATE turn_leases SET expires_at = ? WHERE session_id = ? AND holder = ?`,
    ),
    releaseLease: db.prepare(`DELETE FROM turn_leases WHERE session_id = ? AND holder = ?`),
    append: (id, messages, counters) => append.immediate(id, messages, counters),
    update: (id, patch) => update.immediate(id, patch),
    deleteSession: (id, known) => deleteSession.immediate(id, known),
    cleanUp: (id, action, condition) => cleanUp.immediate(id, action, condition),
    clear: (id) => clear.immediate(id),
    list,
  };
}
