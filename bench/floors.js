/**
 * Floors: the same storage work as the library, written directly against the driver with
 * nothing else — no validation, hooks, locking or provider layer. Each exposes `createSession`,
 * `turn` (store a user message and its echo reply with the counters, as one unit), `newest`,
 * and `listByUser`.
 */
import Database from "better-sqlite3";
import { MIGRATIONS } from "../dist/storage/schema/sqlite.js";
import { newMessageId } from "../dist/ids.js";
import { echoTurn } from "./lib.js";

const newId = newMessageId;

/**
 * A plain Map of sessions with arrays of message objects. Reads return copies of the same shape
 * as the library's (a fresh Date and metadata object each), since callers may mutate them.
 */
export function mapFloor() {
  const sessions = new Map();
  const byUser = new Map();
  return {
    createSession(id, userId) {
      sessions.set(id, { userId, messages: [], inputTokens: 0, outputTokens: 0, lastActivity: 0 });
      let set = byUser.get(userId);
      if (!set) byUser.set(userId, (set = new Set()));
      set.add(id);
    },
    turn(id, content) {
      const s = sessions.get(id);
      const t = echoTurn(content);
      const now = Date.now();
      const at = new Date(now);
      s.messages.push({
        messageId: newId(now),
        sessionId: id,
        role: "user",
        content,
        timestamp: at,
        metadata: {},
      });
      s.messages.push({
        messageId: newId(now),
        sessionId: id,
        role: "assistant",
        content: t.reply,
        timestamp: at,
        metadata: {},
        tokenCount: t.outputTokens,
        finishReason: "stop",
      });
      s.inputTokens += t.inputTokens;
      s.outputTokens += t.outputTokens;
      s.lastActivity = now;
      return t.reply;
    },
    newest(id, n) {
      const m = sessions.get(id).messages;
      return m
        .slice(n === undefined ? 0 : -n)
        .map((x) => ({ ...x, timestamp: new Date(x.timestamp), metadata: { ...x.metadata } }));
    },
    listByUser(userId) {
      const out = [];
      for (const id of byUser.get(userId) ?? []) out.push({ id, ...sessions.get(id) });
      return out.sort((a, b) => b.lastActivity - a.lastActivity);
    },
    close() {},
  };
}

/** Raw better-sqlite3 on the library's own schema: WAL, synchronous NORMAL, one transaction per turn. */
export function sqliteFloor(path) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(MIGRATIONS[1]);
  const insertSession = db.prepare(
    `INSERT INTO sessions (session_id, user_id, provider, model, status, context, provider_config,
       metadata, created_at, updated_at, last_activity)
     VALUES (?, ?, 'mock', 'm', 'active', '{}', '{}', '{}', ?, ?, ?)`,
  );
  const bump = db.prepare(
    `UPDATE sessions SET last_seq = last_seq + 2, message_count = message_count + 2,
       input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, last_activity = ?,
       updated_at = ? WHERE session_id = ? RETURNING last_seq`,
  );
  const insertMessage = db.prepare(
    `INSERT INTO messages (session_id, seq, message_id, role, content, timestamp, extras)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const newest = db.prepare(
    `SELECT message_id, role, content, timestamp, extras FROM messages
     WHERE session_id = ? ORDER BY seq DESC LIMIT ?`,
  );
  const byUser = db.prepare(
    `SELECT * FROM sessions WHERE user_id = ? ORDER BY last_activity DESC, session_id DESC`,
  );
  const turn = db.transaction((id, content) => {
    const t = echoTurn(content);
    const now = Date.now();
    const { last_seq: last } = bump.get(t.inputTokens, t.outputTokens, now, now, id);
    insertMessage.run(id, last - 1, newId(now), "user", content, now, null);
    insertMessage.run(id, last, newId(now), "assistant", t.reply, now, replyExtras(t));
    return t.reply;
  });
  return {
    db,
    createSession(id, userId) {
      const now = Date.now();
      insertSession.run(id, userId, now, now, now);
    },
    turn,
    newest(id, n) {
      const rows = newest.all(id, n ?? -1);
      rows.reverse();
      return rows.map((r) => ({
        messageId: r.message_id,
        role: r.role,
        content: r.content,
        timestamp: new Date(r.timestamp),
        ...(r.extras ? JSON.parse(r.extras) : {}),
      }));
    },
    listByUser: (userId) => byUser.all(userId),
    close: () => db.close(),
  };
}

/** What a reply carries beyond its text (the same data the library stores with it). */
export function replyExtras(t) {
  return JSON.stringify({ tokenCount: t.outputTokens, finishReason: "stop" });
}
