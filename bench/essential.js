/**
 * A reference for W1 on memory, not a floor: a flat function doing only the work issue 2 asks of
 * a turn (validate the input, a per-session lock, an async call, the echo and its token
 * estimate, counters, a compact copy on write, the reply returned), with none of the library's
 * layers. It shows how much of W1's ratio is the work itself and how much is structure.
 */
import { Buffer } from "node:buffer";
import { newMessageId as newId, newSessionId } from "../dist/ids.js";

const MAX_BYTES = 1 << 20;

export function essentialStore() {
  const sessions = new Map();
  const byUser = new Map();
  const busy = new Set();
  return {
    async createSession(userId, provider, model) {
      if (typeof userId !== "string" || !userId || userId.length > 256) throw new Error("userId");
      if (provider !== "mock") throw new Error("provider");
      if (typeof model !== "string" || !model) throw new Error("model");
      const now = new Date();
      const record = {
        sessionId: newSessionId(),
        userId,
        model,
        status: "active",
        createdAt: now,
        updatedAt: now,
        lastActivity: now,
        messageCount: 0,
        inputTokens: 0,
        outputTokens: 0,
      };
      sessions.set(record.sessionId, { record, messages: [] });
      let ids = byUser.get(userId);
      if (!ids) byUser.set(userId, (ids = new Set()));
      ids.add(record.sessionId);
      return record.sessionId;
    },
    async sendMessage(id, content) {
      checkContent(content);
      if (busy.has(id)) throw new Error("a turn is running");
      busy.add(id);
      try {
        return turn(sessions.get(id), id, content);
      } finally {
        busy.delete(id);
      }
    },
  };
}

function checkContent(content) {
  if (typeof content !== "string" || content.trim().length === 0) throw new Error("content");
  if (content.length * 3 > MAX_BYTES && Buffer.byteLength(content) > MAX_BYTES) {
    throw new Error("content: too large");
  }
  if (content.includes("\0") || !content.isWellFormed()) throw new Error("content: not storable");
}

function turn(entry, sessionId, content) {
  const at = new Date();
  const ms = at.getTime();
  const reply = `Echo: ${content}`;
  const inputTokens = Math.ceil(content.length / 4);
  const outputTokens = Math.ceil(reply.length / 4);
  const out = {
    messageId: newId(ms),
    sessionId,
    role: "assistant",
    content: reply,
    timestamp: new Date(ms),
    metadata: {},
    tokenCount: outputTokens,
    finishReason: "stop",
  };
  entry.messages.push({ messageId: newId(ms), role: "user", content, timestamp: ms });
  entry.messages.push({
    messageId: out.messageId,
    role: "assistant",
    content: reply,
    timestamp: ms,
  });
  const r = entry.record;
  r.messageCount += 2;
  r.inputTokens += inputTokens;
  r.outputTokens += outputTokens;
  r.lastActivity = r.updatedAt = at;
  return out;
}
