import { MemoryConfig, parseOrThrow } from "../config.js";
import { StorageError, ValidationError } from "../errors.js";
import { isEmpty } from "../internal/clone.js";
import type { SessionMessage, SessionRecord } from "../types.js";
import { applyExtras, encodeExtras, RARE_EXTRA_KEYS } from "./codec.js";
import {
  optionalKnown,
  validateCleanup,
  validateCounters,
  validateQuery,
  validateRecord,
} from "./checks.js";
import {
  applyCounters,
  applyPatch,
  assertUniqueIds,
  cloneRecord,
  isKnown,
  messageLimit,
  movedFrom,
  notFound,
  providerMoved,
  validateMessages,
} from "./record.js";
import { isInactive } from "./inactive.js";
import { memoryListing } from "./memory-listing.js";
import type {
  ConditionalCleanupStorage,
  KnownSession,
  MessageQuery,
  SessionPatch,
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
): SessionStorage & SyncTurnStorage & ConditionalCleanupStorage {
  parseOrThrow(MemoryConfig, options, "", "memory storage");
  const sessions = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();
  let closed = false;
  // After close() the data is gone: say so, as the SQL backends do, rather than "not found".
  const assertOpen = (): void => {
    if (closed) throw new StorageError(NAME, "the storage is closed");
  };
  const entry = (id: string): Entry => sessions.get(id) ?? notFound(id);
  const listing = memoryListing((id) => sessions.get(id)?.record);
  const remove = (e: Entry): void => {
    const { sessionId, userId } = e.record;
    sessions.delete(sessionId);
    byUser.get(userId)?.delete(sessionId);
    if (byUser.get(userId)?.size === 0) byUser.delete(userId);
  };

  return {
    name: NAME,
    async createSession(given) {
      assertOpen();
      const record = validateRecord(given); // a copy already: it is what is stored
      if (sessions.has(record.sessionId)) {
        throw new ValidationError("sessionId", "a session with this id already exists");
      }
      const e: Entry = { record, messages: [], ids: null };
      sessions.set(record.sessionId, e);
      listing.touched(record);
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
      listing.touched(e.record);
      return cloneRecord(e.record);
    },
    async deleteSession(id, known?: KnownSession) {
      assertOpen();
      const checked = optionalKnown(known);
      const e = sessions.get(id);
      if (!e || !isKnown(e.record, checked)) return false;
      remove(e);
      return true;
    },
    async cleanUpIfInactive(id, action, condition) {
      assertOpen();
      validateCleanup(action, condition);
      const e = sessions.get(id);
      if (!e || !isInactive(e.record, condition)) return null;
      if (action === "delete") remove(e);
      else {
        applyPatch(e.record, { status: "archived" }, new Date());
        listing.touched(e.record);
      }
      return cloneRecord(e.record);
    },
    async listSessions(query) {
      assertOpen();
      validateQuery(query);
      const scope = query.userId === undefined ? sessions.keys() : (byUser.get(query.userId) ?? []);
      return listing.list(query, scope);
    },
    async appendMessages(id, messages, counters?: TurnCounters) {
      assertOpen();
      validateMessages(messages); // bad input is named first, as the SQL backends do
      validateCounters(counters);
      const e = entry(id);
      assertUniqueIds(messages, (m) => hasId(e, m));
      append(e, messages, counters);
      listing.touched(e.record);
    },
    appendTurnSync(id, messages, counters) {
      assertOpen();
      const e = entry(id);
      append(e, messages, counters);
      listing.touched(e.record);
    },
    async addMessage(id, message) {
      await this.appendMessages(id, [message]);
    },
    async getMessages(id, options?: MessageQuery) {
      const limit = messageLimit(options);
      const known = optionalKnown(options?.known);
      assertOpen();
      const e = entry(id);
      if (!isKnown(e.record, known)) notFound(id);
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
        bytes += recordBytes(e.record);
        for (const m of e.messages) bytes += messageBytes(m);
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
      listing.clear();
    },
  };
}

function append(e: Entry, messages: readonly SessionMessage[], counters?: TurnCounters): void {
  if (!isKnown(e.record, counters?.known)) notFound(e.record.sessionId);
  if (movedFrom(e.record, counters?.ranOn)) providerMoved(e.record.sessionId);
  for (const m of messages) {
    e.messages.push(store(m, e.record.sessionId));
    e.ids?.add(m.messageId);
  }
  if (!e.ids && e.messages.length >= ID_INDEX_FROM)
    e.ids = new Set(e.messages.map((m) => m.messageId));
  applyCounters(e.record, messages.length, counters);
}

/**
 * What a session's record holds, in UTF-8 bytes as a file would store it: its text and JSON,
 * plus its dates and counters at 8 bytes each (`getMemoryUsage`; an estimate, not heap size).
 */
function recordBytes(r: SessionRecord): number {
  let bytes = FIXED_RECORD_BYTES;
  for (const text of [r.sessionId, r.userId, r.provider, r.model, r.status]) bytes += utf8(text);
  for (const text of [r.providerSessionId, r.name, r.description]) bytes += text ? utf8(text) : 0;
  for (const json of [r.context, r.providerConfig, r.metadata]) bytes += utf8(JSON.stringify(json));
  return bytes;
}

/** A stored message's bytes; its metadata text carries its tool calls too (see `store`). */
function messageBytes(m: StoredMessage): number {
  let bytes = FIXED_MESSAGE_BYTES + utf8(m.messageId) + utf8(m.role) + utf8(m.content);
  if (m.metadata) bytes += utf8(m.metadata);
  if (m.finishReason) bytes += utf8(m.finishReason);
  if (m.providerMessageId) bytes += utf8(m.providerMessageId);
  return bytes;
}

/** Three dates and eight counters of a record; a message's timestamp, token count and sequence. */
const FIXED_RECORD_BYTES = 11 * 8;
const FIXED_MESSAGE_BYTES = 3 * 8;

const utf8 = (text: string): number => Buffer.byteLength(text, "utf8");

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
  // `+ 0` turns -0 into 0, as the SQL backends read it back (JSON has no -0).
  if (m.tokenCount !== undefined) s.tokenCount = m.tokenCount + 0;
  if (m.finishReason !== undefined) s.finishReason = m.finishReason;
  if (m.providerMessageId !== undefined) s.providerMessageId = m.providerMessageId;
  return s;
}

function load(s: StoredMessage): SessionMessage {
  const m = { ...s, timestamp: new Date(s.timestamp), metadata: {} };
  return s.metadata ? applyExtras(m, s.metadata) : m;
}
