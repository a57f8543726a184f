import { MemoryConfig, parseOrThrow } from "../config.js";
import { StorageError, ValidationError } from "../errors.js";
import { isEmpty } from "../internal/clone.js";
import type { GetMessagesOptions, SessionMessage, SessionRecord } from "../types.js";
import { applyExtras, encodeExtras, RARE_EXTRA_KEYS } from "./codec.js";
import {
  applyCounters,
  applyPatch,
  assertUniqueIds,
  cloneRecord,
  compareActivity,
  isAfter,
  messageLimit,
  notFound,
  validateMessages,
} from "./record.js";
import type {
  SessionPage,
  SessionPatch,
  SessionQuery,
  SessionStorage,
  StorageUsage,
  SyncTurnStorage,
  TurnCounters,
} from "./types.js";

/** The memory backend has no options; the type exists so every backend has the same skeleton. */
export type MemoryStorageOptions = Record<string, never>;

const NAME = "memory";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A stored message has the fields of a `SessionMessage` but two: `timestamp` is a number and
 * `metadata` is the JSON text of the metadata and the rarer extras (tool calls…), or null. That
 * text is also the clone on write. Reading spreads it into a fresh object, V8's fastest copy.
 */
type StoredMessage = Readonly<
  Omit<SessionMessage, "timestamp" | "metadata"> & { timestamp: number; metadata: string | null }
>;

/**
 * Below this many messages a session's ids are checked by scanning: a Set per session would cost
 * more heap than the short messages it indexes.
 */
const ID_INDEX_FROM = 32;

interface Entry {
  record: SessionRecord;
  messages: StoredMessage[];
  /** Built once the session reaches `ID_INDEX_FROM` messages. */
  ids: Set<string> | null;
}

/**
 * In-process storage: a faithful store (clones on read and write, same ordering and limits as
 * SQLite), indexed by user. The default backend, and the one tests use.
 *
 * ```ts
 * const manager = createSessionManager({ storage: memoryStorage() });
 * ```
 */
export function memoryStorage(
  options: MemoryStorageOptions = {},
): SessionStorage & SyncTurnStorage {
  parseOrThrow(MemoryConfig, options, "", "memory storage");
  const sessions = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();
  let closed = false;
  // After close() the data is gone: say so, as the SQL backends do, rather than "not found".
  const assertOpen = (): void => {
    if (closed) throw new StorageError(NAME, "the storage is closed");
  };
  const entry = (id: string): Entry => sessions.get(id) ?? notFound(id);

  return {
    name: NAME,
    async createSession(record) {
      assertOpen();
      if (sessions.has(record.sessionId)) {
        throw new ValidationError("sessionId", "a session with this id already exists");
      }
      sessions.set(record.sessionId, { record: cloneRecord(record), messages: [], ids: null });
      let set = byUser.get(record.userId);
      if (!set) byUser.set(record.userId, (set = new Set()));
      set.add(record.sessionId);
    },
    async getSession(id) {
      assertOpen();
      const e = sessions.get(id);
      return e ? cloneRecord(e.record) : null;
    },
    async updateSession(id, patch: SessionPatch) {
      assertOpen();
      const e = sessions.get(id);
      if (!e) return null;
      applyPatch(e.record, patch, new Date());
      return cloneRecord(e.record);
    },
    async deleteSession(id) {
      assertOpen();
      const e = sessions.get(id);
      if (!e) return false;
      sessions.delete(id);
      byUser.get(e.record.userId)?.delete(id);
      if (byUser.get(e.record.userId)?.size === 0) byUser.delete(e.record.userId);
      return true;
    },
    async listSessions(query) {
      assertOpen();
      return list(candidates(query), query);
    },
    async appendMessages(id, messages, counters?: TurnCounters) {
      assertOpen();
      validateMessages(messages); // bad input is named first, as the SQL backends do
      const e = entry(id);
      assertUniqueIds(messages, (m) => hasId(e, m));
      append(e, messages, counters);
    },
    appendTurnSync(id, messages, counters) {
      assertOpen();
      append(entry(id), messages, counters);
    },
    async addMessage(id, message) {
      await this.appendMessages(id, [message]);
    },
    async getMessages(id, options?: GetMessagesOptions) {
      const limit = messageLimit(options);
      assertOpen();
      const e = entry(id);
      const from = limit === undefined ? 0 : Math.max(0, e.messages.length - limit);
      const out: SessionMessage[] = [];
      for (let i = from; i < e.messages.length; i++) out.push(load(e.messages[i]!));
      return out;
    },
    async clearMessages(id) {
      assertOpen();
      const e = entry(id);
      e.messages = [];
      e.ids = null;
      e.record.messageCount = 0;
      e.record.updatedAt = new Date();
    },
    async getMemoryUsage(): Promise<StorageUsage> {
      assertOpen();
      let messages = 0;
      let bytes = 0;
      for (const e of sessions.values()) {
        messages += e.messages.length;
        for (const m of e.messages)
          bytes += m.content.length + m.messageId.length + (m.metadata?.length ?? 0);
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
      closed = true;
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

function append(e: Entry, messages: readonly SessionMessage[], counters?: TurnCounters): void {
  for (const m of messages) {
    e.messages.push(store(m, e.record.sessionId));
    e.ids?.add(m.messageId);
  }
  if (!e.ids && e.messages.length >= ID_INDEX_FROM)
    e.ids = new Set(e.messages.map((m) => m.messageId));
  applyCounters(e.record, messages.length, counters);
}

function hasId(e: Entry, id: string): boolean {
  if (e.ids) return e.ids.has(id);
  for (const m of e.messages) if (m.messageId === id) return true;
  return false;
}

/** `sessionId` is the owning session's, whatever the message says, as the SQL backends store it. */
function store(m: SessionMessage, sessionId: string): StoredMessage {
  const s: Mutable<StoredMessage> = {
    messageId: m.messageId,
    sessionId,
    role: m.role,
    content: m.content,
    timestamp: m.timestamp.getTime(),
    // Checked inline first: most messages have nothing to encode.
    metadata:
      isEmpty(m.metadata) && m.toolCalls === undefined && m.toolCallId === undefined
        ? null
        : encodeExtras(m, RARE_EXTRA_KEYS),
  };
  if (m.tokenCount !== undefined) s.tokenCount = m.tokenCount;
  if (m.finishReason !== undefined) s.finishReason = m.finishReason;
  if (m.providerMessageId !== undefined) s.providerMessageId = m.providerMessageId;
  return s;
}

function load(s: StoredMessage): SessionMessage {
  const m = { ...s, timestamp: new Date(s.timestamp), metadata: {} };
  return s.metadata ? applyExtras(m, s.metadata) : m;
}
