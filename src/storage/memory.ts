import { ValidationError } from "../errors.js";
import type { GetMessagesOptions, SessionMessage, SessionRecord } from "../types.js";
import { decodeMessage, encodeExtras } from "./codec.js";
import {
  applyCounters,
  applyPatch,
  assertUniqueIds,
  cloneRecord,
  compareActivity,
  isAfter,
  notFound,
} from "./record.js";
import type {
  SessionPage,
  SessionPatch,
  SessionQuery,
  SessionStorage,
  StorageUsage,
  TurnCounters,
} from "./types.js";

/** The memory backend has no options; the type exists so every backend has the same skeleton. */
export type MemoryStorageOptions = Record<string, never>;

const NAME = "memory";

/**
 * Messages are kept in a compact frozen form: metadata and tool calls as JSON text (which is
 * also the clone on write), the timestamp as a number. Reading builds fresh objects.
 */
interface StoredMessage {
  readonly id: string;
  readonly role: SessionMessage["role"];
  readonly content: string;
  readonly ts: number;
  readonly json: string | null;
}

interface Entry {
  record: SessionRecord;
  messages: StoredMessage[];
  ids: Set<string>;
}

/**
 * In-process storage: a faithful store (clones on read and write, same ordering and limits as
 * SQLite), indexed by user. The default backend, and the one tests use.
 *
 * ```ts
 * const manager = createSessionManager({ storage: memoryStorage() });
 * ```
 */
export function memoryStorage(_options: MemoryStorageOptions = {}): SessionStorage {
  const sessions = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();
  const entry = (id: string): Entry => sessions.get(id) ?? notFound(id);

  return {
    name: NAME,
    async createSession(record) {
      if (sessions.has(record.sessionId)) {
        throw new ValidationError("sessionId", "a session with this id already exists");
      }
      sessions.set(record.sessionId, { record: cloneRecord(record), messages: [], ids: new Set() });
      let set = byUser.get(record.userId);
      if (!set) byUser.set(record.userId, (set = new Set()));
      set.add(record.sessionId);
    },
    async getSession(id) {
      const e = sessions.get(id);
      return e ? cloneRecord(e.record) : null;
    },
    async updateSession(id, patch: SessionPatch) {
      const e = sessions.get(id);
      if (!e) return null;
      applyPatch(e.record, patch, new Date());
      return cloneRecord(e.record);
    },
    async deleteSession(id) {
      const e = sessions.get(id);
      if (!e) return false;
      sessions.delete(id);
      byUser.get(e.record.userId)?.delete(id);
      if (byUser.get(e.record.userId)?.size === 0) byUser.delete(e.record.userId);
      return true;
    },
    async listSessions(query) {
      return list(candidates(query), query);
    },
    async appendMessages(id, messages, counters?: TurnCounters) {
      const e = entry(id);
      assertUniqueIds(messages, (m) => e.ids.has(m));
      for (const m of messages) {
        e.messages.push(store(m));
        e.ids.add(m.messageId);
      }
      applyCounters(e.record, messages.length, counters);
    },
    async addMessage(id, message) {
      await this.appendMessages(id, [message]);
    },
    async getMessages(id, options: GetMessagesOptions = {}) {
      const e = entry(id);
      const from = options.limit === undefined ? 0 : Math.max(0, e.messages.length - options.limit);
      const out: SessionMessage[] = [];
      for (let i = from; i < e.messages.length; i++) out.push(load(e.messages[i]!, id));
      return out;
    },
    async clearMessages(id) {
      const e = entry(id);
      e.messages = [];
      e.ids = new Set();
      e.record.messageCount = 0;
      e.record.updatedAt = new Date();
    },
    async getMemoryUsage(): Promise<StorageUsage> {
      let messages = 0;
      let bytes = 0;
      for (const e of sessions.values()) {
        messages += e.messages.length;
        for (const m of e.messages) bytes += m.content.length + m.id.length + (m.json?.length ?? 0);
      }
      const heap = process.memoryUsage();
      return {
        backend: NAME,
        sessions: sessions.size,
        messages,
        bytes,
        details: { users: byUser.size, heapUsed: heap.heapUsed, heapTotal: heap.heapTotal },
      };
    },
    async close() {
      sessions.clear();
      byUser.clear();
    },
  };

  function candidates(query: SessionQuery): SessionRecord[] {
    const out: SessionRecord[] = [];
    const ids = query.userId === undefined ? sessions.keys() : (byUser.get(query.userId) ?? []);
    for (const id of ids) {
      const r = sessions.get(id)!.record;
      if (query.status && r.status !== query.status) continue;
      if (query.inactiveBefore && r.lastActivity >= query.inactiveBefore) continue;
      if (query.after && !isAfter(r, query.after)) continue;
      out.push(r);
    }
    return out;
  }
}

function list(records: SessionRecord[], query: SessionQuery): SessionPage {
  records.sort(compareActivity);
  const page = records.slice(0, query.limit).map(cloneRecord);
  const last = page[page.length - 1];
  const next =
    records.length > query.limit && last
      ? { lastActivity: last.lastActivity, sessionId: last.sessionId }
      : null;
  return { sessions: page, next };
}

function store(m: SessionMessage): StoredMessage {
  return Object.freeze({
    id: m.messageId,
    role: m.role,
    content: m.content,
    ts: m.timestamp.getTime(),
    json: encodeExtras(m),
  });
}

function load(s: StoredMessage, sessionId: string): SessionMessage {
  return decodeMessage(sessionId, s.id, s.role, s.content, s.ts, s.json);
}
