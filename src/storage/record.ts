import { ConcurrencyError, SessionNotFoundError, ValidationError } from "../errors.js";
import { cloneJson } from "../internal/clone.js";
import { MESSAGE_ROLES } from "../types.js";
import {
  MAX_DESCRIPTION_LENGTH,
  optionalLimit,
  optionalText,
  refuseUnknownKeys,
  requireOptions,
  requireRecord,
  requireStatus,
  requireStorable,
  requireString,
} from "../validate.js";
import type { GetMessagesOptions, SessionMessage, SessionRecord } from "../types.js";
import { checkedKnown, isStorableTime } from "./checks.js";
import type { KnownSession, ListCursor, SessionPatch, TurnCounters } from "./types.js";

// Where they were first defined: the session layer and migration import them from here.
export { isStorableTime, MAX_TIME, MIN_TIME } from "./checks.js";

/** The counters of a session that has had no turn yet. */
export const ZERO_COUNTERS = Object.freeze({
  messageCount: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheCreationTokens: 0,
  costUsd: 0,
  unpricedTurns: 0,
});

/** Shared record logic of the backends that keep whole records (memory); SQL backends use SQL. */
export function cloneRecord(record: SessionRecord): SessionRecord {
  return {
    ...record,
    context: cloneJson(record.context),
    providerConfig: cloneJson(record.providerConfig),
    metadata: cloneJson(record.metadata),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    lastActivity: new Date(record.lastActivity),
  };
}

/**
 * Applies a patch to a record in place (the caller owns the copy), once all of it is checked:
 * `storage.updateSession` is public, and what one backend keeps all must read back alike.
 */
export function applyPatch(record: SessionRecord, given: SessionPatch, now: Date): void {
  const { mergeContext, mergeMetadata, providerConfig, known, ...plain } = checkedPatch(given);
  if (!isKnown(record, known)) notFound(record.sessionId);
  Object.assign(record, plain);
  if (providerConfig) record.providerConfig = providerConfig;
  if (mergeContext) record.context = merged(record.context, mergeContext);
  if (mergeMetadata) record.metadata = merged(record.metadata, mergeMetadata);
  record.updatedAt = now;
}

const PATCH_KEYS: readonly (keyof SessionPatch)[] = [
  "status",
  "name",
  "description",
  "provider",
  "model",
  "providerSessionId",
  "providerConfig",
  "mergeContext",
  "mergeMetadata",
  "known",
];

/** A copy of the patch with every field checked, or a `ValidationError` naming the field. */
function checkedPatch(patch: SessionPatch): SessionPatch {
  refuseUnknownKeys("", requireOptions(patch, "patch"), PATCH_KEYS);
  const out: SessionPatch = {};
  if (patch.status !== undefined) out.status = requireStatus(patch.status);
  if (patch.name !== undefined) out.name = optionalText("name", patch.name);
  if (patch.description !== undefined) {
    out.description = optionalText("description", patch.description, MAX_DESCRIPTION_LENGTH);
  }
  if (patch.provider !== undefined) out.provider = requireString("provider", patch.provider);
  if (patch.model !== undefined) out.model = requireString("model", patch.model);
  if (patch.providerSessionId !== undefined) {
    out.providerSessionId = optionalText("providerSessionId", patch.providerSessionId);
  }
  if (patch.providerConfig !== undefined) {
    out.providerConfig = requireRecord("providerConfig", patch.providerConfig);
  }
  if (patch.mergeContext !== undefined) out.mergeContext = mergeOf("context", patch.mergeContext);
  if (patch.mergeMetadata !== undefined) {
    out.mergeMetadata = mergeOf("metadata", patch.mergeMetadata);
  }
  if (patch.known !== undefined) out.known = checkedKnown(patch.known);
  return out;
}

/** Keys to merge, checked; a key given as `undefined` is to be removed (see `merged`). */
function mergeOf(field: string, value: Record<string, unknown>): Record<string, unknown> {
  const kept = requireRecord(field, value); // leaves out undefined values, as JSON does
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) Object.defineProperty(kept, key, { value: undefined, enumerable: true });
  }
  return kept;
}

/** A shallow merge: each key given replaces the stored one, and `undefined` removes it. */
function merged(base: Record<string, unknown>, changes: Record<string, unknown>) {
  const out = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    // Defined, not assigned: a "__proto__" key is data, not the object's prototype.
    if (value === undefined) delete out[key];
    else
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

/** Whether `record` is the session a write knows (`KnownSession`); any, if it names none. */
export function isKnown(record: KnownSession, known: KnownSession | undefined): boolean {
  return (
    !known ||
    (record.userId === known.userId && record.createdAt.getTime() === known.createdAt.getTime())
  );
}

/** Adds a turn's counters to a record in place. */
export function applyCounters(
  record: SessionRecord,
  added: number,
  counters: TurnCounters | undefined,
): void {
  record.messageCount += added;
  if (!counters) return;
  if (counters.activate) record.status = "active";
  const { usage, costUsd, at } = counters;
  record.inputTokens += usage.inputTokens;
  record.outputTokens += usage.outputTokens;
  record.cachedTokens += usage.cachedTokens;
  record.cacheCreationTokens += usage.cacheCreationTokens;
  if (costUsd === null) record.unpricedTurns += 1;
  else record.costUsd += costUsd;
  // A copy: the caller's Date is often a reply's `timestamp`, handed to the user, who may change
  // it in place. The record's Dates are its own and only ever replaced, never changed, so one
  // serves both fields, and turns within the same millisecond (most, on memory) reuse it.
  const ms = at.getTime();
  const time = ms === record.updatedAt.getTime() ? record.updatedAt : new Date(ms);
  if (ms > record.lastActivity.getTime()) record.lastActivity = time;
  record.updatedAt = time;
}

/** Ordering of listings: newest activity first, then session id descending (a total order). */
export function compareActivity(a: SessionRecord, b: SessionRecord): number {
  const d = b.lastActivity.getTime() - a.lastActivity.getTime();
  return d !== 0 ? d : compareIds(b.sessionId, a.sessionId);
}

/** True if `record` comes strictly after the cursor in listing order. */
export function isAfter(record: SessionRecord, cursor: ListCursor): boolean {
  const t = record.lastActivity.getTime();
  const c = cursor.lastActivity.getTime();
  return t < c || (t === c && compareIds(record.sessionId, cursor.sessionId) < 0);
}

/**
 * Orders strings by Unicode code point, which is the UTF-8 byte order the SQL backends compare
 * in (SQLite BINARY, Postgres COLLATE "C"). JS `<` compares UTF-16 code units, which puts an
 * astral character (a surrogate pair, 0xD800…) before U+E000–U+FFFF: listings would differ.
 */
export function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

/**
 * Storage-level checks on messages written directly (e.g. `storage.addMessage`): every field
 * must be storable verbatim by every backend, so that they all read back the same message.
 */
export function validateMessages(messages: readonly SessionMessage[]): void {
  if (!Array.isArray(messages)) throw new ValidationError("messages", "must be an array");
  for (const m of messages) {
    if (typeof m !== "object" || m === null) {
      throw new ValidationError("messages", `must hold message objects, got ${String(m)}`);
    }
    if (typeof m.messageId !== "string" || m.messageId.length === 0 || m.messageId.length > 1024) {
      throw new ValidationError(
        "messageId",
        "must be a non-empty string of at most 1024 characters",
      );
    }
    requireStorable("messageId", m.messageId);
    if (!MESSAGE_ROLES.includes(m.role))
      throw new ValidationError("role", `unknown role ${String(m.role)}`);
    if (typeof m.content !== "string") throw new ValidationError("content", "must be a string");
    requireStorable("content", m.content);
    if (!(m.timestamp instanceof Date) || Number.isNaN(m.timestamp.getTime())) {
      throw new ValidationError("timestamp", "must be a valid Date");
    }
    if (!isStorableTime(m.timestamp.getTime())) {
      throw new ValidationError("timestamp", "must be within the years 0001 to 9999 UTC");
    }
    validateExtras(m);
  }
}

function validateExtras(m: SessionMessage): void {
  requireRecord("metadata", m.metadata);
  for (const field of ["finishReason", "providerMessageId", "toolCallId"] as const) {
    const value = m[field];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new ValidationError(field, "must be a string");
    requireStorable(field, value);
  }
  const { tokenCount, toolCalls } = m;
  if (tokenCount !== undefined && !(Number.isSafeInteger(tokenCount) && tokenCount >= 0)) {
    throw new ValidationError("tokenCount", "must be a whole number of tokens");
  }
  if (toolCalls !== undefined) {
    if (!Array.isArray(toolCalls)) throw new ValidationError("toolCalls", "must be an array");
    requireRecord("toolCalls", { calls: toolCalls }); // plain JSON, as it is stored
  }
}

/** The `limit` of a `getMessages` call: a whole number of messages, or undefined for all. */
export function messageLimit(options: GetMessagesOptions | null | undefined): number | undefined {
  return optionalLimit("limit", options?.limit, Number.MAX_SAFE_INTEGER);
}

/** Rejects a batch that repeats a message id, before anything is written. */
export function assertUniqueIds(
  messages: readonly SessionMessage[],
  existing: (id: string) => boolean,
): void {
  // Most batches are one turn (two messages): a Set per append would cost more than the check.
  const repeats =
    messages.length > 2
      ? new Set(messages.map((m) => m.messageId)).size < messages.length
      : messages.length === 2 && messages[0]!.messageId === messages[1]!.messageId;
  if (repeats) throw new ValidationError("messageId", "the batch repeats a message id");
  for (const m of messages) {
    if (existing(m.messageId)) {
      throw new ValidationError("messageId", `"${m.messageId}" is already in the session`);
    }
  }
}

export function notFound(sessionId: string): never {
  throw new SessionNotFoundError(sessionId);
}

/** A turn answered by a provider the session has since left (see `TurnCounters.ranOn`). */
export function providerMoved(sessionId: string): never {
  throw new ConcurrencyError(
    `session ${sessionId}: its provider or model was changed by another process while this ` +
      `turn ran, so the reply was not stored (the session's next turn uses the new one)`,
  );
}

/** Whether `record` is no longer on the provider and model the turn ran on. */
export function movedFrom(record: SessionRecord, ranOn: TurnCounters["ranOn"]): boolean {
  return (
    ranOn !== undefined && (record.provider !== ranOn.provider || record.model !== ranOn.model)
  );
}

/** A turn answered under a lease its holder no longer has (see `TurnCounters.leaseHolder`). */
export function leaseLost(sessionId: string): never {
  throw new ConcurrencyError(
    `session ${sessionId}: this turn's lease was taken over by another process while it ran ` +
      `(paused longer than turnLeaseMs?), so its reply was not stored`,
  );
}
