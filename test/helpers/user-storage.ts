/**
 * A user's own storage: only the required members of `SessionStorage`, plain async, backed by
 * Maps, written from the contract's TSDoc alone (no optional capability).
 */
import { SessionNotFoundError, ValidationError } from "../../src/index.js";
import type {
  MessageQuery,
  SessionMessage,
  SessionPage,
  SessionPatch,
  SessionQuery,
  SessionRecord,
  SessionStorage,
  StorageUsage,
  TurnCounters,
} from "../../src/index.js";

const clone = <T>(v: T): T => structuredClone(v);

export interface UserStorage extends SessionStorage {
  sessions: Map<string, SessionRecord>;
  messages: Map<string, SessionMessage[]>;
}

export function userStorage(): UserStorage {
  const sessions = new Map<string, SessionRecord>();
  const messages = new Map<string, SessionMessage[]>();
  const known = (r: SessionRecord, k?: { userId: string; createdAt: Date }) =>
    !k || (r.userId === k.userId && r.createdAt.getTime() === k.createdAt.getTime());
  const merge = (base: Record<string, unknown>, add: Record<string, unknown>) => {
    const out = { ...base };
    for (const [k, v] of Object.entries(add)) {
      if (v === undefined) delete out[k];
      else out[k] = clone(v);
    }
    return out;
  };
  return {
    name: "user-map",
    sessions,
    messages,
    async createSession(record) {
      if (sessions.has(record.sessionId)) throw new ValidationError("sessionId", "taken");
      sessions.set(record.sessionId, clone(record));
      messages.set(record.sessionId, []);
    },
    async getSession(id) {
      const r = sessions.get(id);
      return r ? clone(r) : null;
    },
    async updateSession(id, patch: SessionPatch) {
      const r = sessions.get(id);
      if (!r) return null;
      const { mergeContext, mergeMetadata, known: k, ...plain } = patch;
      if (!known(r, k)) return null;
      for (const [key, v] of Object.entries(plain))
        if (v !== undefined) (r as unknown as Record<string, unknown>)[key] = clone(v);
      if (mergeContext) r.context = merge(r.context, mergeContext);
      if (mergeMetadata) r.metadata = merge(r.metadata, mergeMetadata);
      r.updatedAt = new Date();
      return clone(r);
    },
    async deleteSession(id) {
      messages.delete(id);
      return sessions.delete(id);
    },
    async listSessions(q: SessionQuery): Promise<SessionPage> {
      let all = [...sessions.values()].filter(
        (r) =>
          (q.userId === undefined || r.userId === q.userId) &&
          (!q.status || r.status === q.status) &&
          (!q.statuses || q.statuses.includes(r.status)) &&
          (!q.inactiveBefore || r.lastActivity < q.inactiveBefore),
      );
      all.sort(
        (a, b) =>
          b.lastActivity.getTime() - a.lastActivity.getTime() ||
          (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0),
      );
      if (q.after) {
        const { lastActivity, sessionId } = q.after;
        all = all.filter(
          (r) =>
            r.lastActivity.getTime() < lastActivity.getTime() ||
            (r.lastActivity.getTime() === lastActivity.getTime() && r.sessionId < sessionId),
        );
      }
      const page = all.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        sessions: page.map(clone),
        next:
          all.length > q.limit && last
            ? { lastActivity: last.lastActivity, sessionId: last.sessionId }
            : null,
      };
    },
    async appendMessages(id, msgs, counters?: TurnCounters) {
      const r = sessions.get(id);
      if (!r || !known(r, counters?.known)) throw new SessionNotFoundError(id);
      const log = messages.get(id)!;
      for (const m of msgs) {
        if (log.some((x) => x.messageId === m.messageId))
          throw new ValidationError("messageId", "already in the session");
      }
      for (const m of msgs) log.push(clone({ ...m, sessionId: id }));
      r.messageCount += msgs.length;
      if (counters) {
        if (counters.activate) r.status = "active";
        r.inputTokens += counters.usage.inputTokens;
        r.outputTokens += counters.usage.outputTokens;
        r.cachedTokens += counters.usage.cachedTokens;
        r.cacheCreationTokens += counters.usage.cacheCreationTokens;
        if (counters.costUsd === null) r.unpricedTurns += 1;
        else r.costUsd += counters.costUsd;
        if (counters.at > r.lastActivity) r.lastActivity = new Date(counters.at);
        r.updatedAt = new Date(counters.at);
      }
    },
    async addMessage(id, m) {
      await this.appendMessages(id, [m]);
    },
    async getMessages(id, options?: MessageQuery) {
      const r = sessions.get(id);
      if (!r || !known(r, options?.known)) throw new SessionNotFoundError(id);
      const log = messages.get(id)!;
      const from = options?.limit === undefined ? 0 : Math.max(0, log.length - options.limit);
      return log.slice(from).map(clone);
    },
    async clearMessages(id) {
      const r = sessions.get(id);
      if (!r) throw new SessionNotFoundError(id);
      messages.set(id, []);
      r.messageCount = 0;
    },
    async getMemoryUsage(): Promise<StorageUsage> {
      let n = 0;
      for (const l of messages.values()) n += l.length;
      return {
        backend: "user-map",
        sessions: sessions.size,
        messages: n,
        bytes: null,
        details: {},
      };
    },
    async close() {},
  };
}
