import { ValidationError } from "../errors.js";
import { isEmpty } from "../internal/clone.js";
import type { SessionRecord, SessionStatus } from "../types.js";
import {
  isCount,
  isStorableText,
  MAX_DESCRIPTION_LENGTH,
  optionalText,
  requireRecord,
  requireStatus,
  requireString,
} from "../validate.js";
import type {
  InactiveCondition,
  KnownSession,
  ListCursor,
  SessionQuery,
  TurnCounters,
} from "./types.js";

/**
 * The checks every backend makes on its public input before it reads or writes: what one backend
 * could not keep verbatim (or would read as something else), none takes, so all answer alike
 * (DESIGN §5: a `ValidationError` at the edge, storage untouched).
 */

/**
 * The times every backend can store: years 0001–9999 UTC. Postgres timestamptz refuses some
 * valid JS Dates (before 4713 BC); one range everywhere keeps the backends interchangeable.
 */
// Date.UTC would read year 1 as 1901, so the bounds are parsed from ISO text.
export const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
export const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

/** True if `ms` is a whole millisecond time within the storable range. */
export function isStorableTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_TIME && ms <= MAX_TIME;
}

/**
 * Whether `key` (a session id, a user id) can name a stored session: every stored one is storable
 * text (`validateRecord`), so any other names none. The SQL backends must not send one to their
 * driver: pg turns a lone surrogate into U+FFFD, and so would read or delete ANOTHER session, and
 * fails on NUL. Such a lookup is answered as "not found" without a query.
 */
export function isStorableKey(key: unknown): key is string {
  return isStorableText(key);
}

/**
 * A new session's record, checked field by field as the manager checks what it is given, and
 * copied as JSON has it (-0 as 0, no undefined keys), which is what the SQL backends read back.
 * `storage.createSession` is public (and migration writes through it): without this, a record
 * one backend cannot keep was stored by another, altered, or refused with a misleading error.
 */
export function validateRecord(record: SessionRecord): SessionRecord {
  if (typeof record !== "object" || record === null) {
    throw new ValidationError("record", "must be a session record");
  }
  // In field order, so the first bad field is the one named.
  return {
    sessionId: requireString("sessionId", record.sessionId),
    userId: requireString("userId", record.userId),
    provider: requireString("provider", record.provider),
    model: requireString("model", record.model),
    status: requireStatus(record.status),
    // The limits `updateSession` applies to the same fields.
    providerSessionId: optionalText("providerSessionId", record.providerSessionId),
    name: optionalText("name", record.name),
    description: optionalText("description", record.description, MAX_DESCRIPTION_LENGTH),
    context: jsonRecord("context", record.context),
    providerConfig: jsonRecord("providerConfig", record.providerConfig),
    metadata: jsonRecord("metadata", record.metadata),
    createdAt: new Date(requireTime("createdAt", record.createdAt)),
    updatedAt: new Date(requireTime("updatedAt", record.updatedAt)),
    lastActivity: new Date(requireTime("lastActivity", record.lastActivity)),
    messageCount: requireCount("messageCount", record.messageCount),
    inputTokens: requireCount("inputTokens", record.inputTokens),
    outputTokens: requireCount("outputTokens", record.outputTokens),
    cachedTokens: requireCount("cachedTokens", record.cachedTokens),
    cacheCreationTokens: requireCount("cacheCreationTokens", record.cacheCreationTokens),
    costUsd: requireCost("costUsd", record.costUsd),
    unpricedTurns: requireCount("unpricedTurns", record.unpricedTurns),
  };
}

/**
 * `requireRecord`, without its walk for the usual empty object (a session given no context or
 * config): that walk was most of what checking a new session cost.
 */
function jsonRecord(field: string, value: unknown): Record<string, unknown> {
  if (typeof value === "object" && value !== null && isEmpty(value as Record<string, unknown>)) {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return {};
  }
  return requireRecord(field, value);
}

const TOKEN_FIELDS = [
  "inputTokens",
  "outputTokens",
  "cachedTokens",
  "cacheCreationTokens",
] as const;

/**
 * A turn's counters, checked before anything is written: memory would keep a NaN or an Invalid
 * Date for good, SQLite wrote the turn anyway or misreported it, Postgres failed in the driver.
 * Not called by the memory store's `appendTurnSync`: the session layer builds those counters
 * itself, and that path is kept as cheap as it can be.
 */
export function validateCounters(counters: TurnCounters | undefined): void {
  if (counters === undefined) return;
  if (typeof counters !== "object" || counters === null) {
    throw new ValidationError("counters", "must be an object");
  }
  const { usage, costUsd, activate, leaseHolder, known } = counters;
  if (typeof usage !== "object" || usage === null) {
    throw new ValidationError("usage", "must be an object of token counts");
  }
  for (const field of TOKEN_FIELDS) {
    // The field's path is built only on failure: this runs on every turn.
    if (!isCount(usage[field])) throw new ValidationError(`usage.${field}`, COUNT);
  }
  if (costUsd !== null) requireCost("costUsd", costUsd);
  requireTime("at", counters.at);
  // Memory tested it as truthy, SQLite likewise, Postgres as `=== true`: only a boolean is clear.
  if (activate !== undefined && typeof activate !== "boolean") {
    throw new ValidationError("activate", "must be a boolean");
  }
  if (leaseHolder !== undefined && typeof leaseHolder !== "string") {
    throw new ValidationError("leaseHolder", "must be a string");
  }
  if (known !== undefined) checkedKnown(known);
  const { ranOn } = counters;
  if (
    ranOn !== undefined &&
    (typeof ranOn?.provider !== "string" || typeof ranOn.model !== "string")
  ) {
    throw new ValidationError("ranOn", "must be { provider, model }, two strings");
  }
}

/** The `known` of a call (`KnownSession`), checked; undefined when it names none. */
export function optionalKnown(known: KnownSession | undefined): KnownSession | undefined {
  return known === undefined ? undefined : checkedKnown(known);
}

/**
 * A `KnownSession` is always taken from a stored record, so anything a stored record could not
 * hold is a caller's mistake, not a session that is merely absent.
 */
export function checkedKnown(known: KnownSession): KnownSession {
  const ok =
    typeof known === "object" &&
    known !== null &&
    isStorableKey(known.userId) &&
    known.createdAt instanceof Date &&
    isStorableTime(known.createdAt.getTime());
  if (!ok) throw new ValidationError("known", "must hold a userId and a valid createdAt Date");
  return known;
}

/**
 * A listing's query. Memory compared `length < limit` (NaN lists nothing, 1.5 and Infinity all)
 * and matched nothing against an Invalid Date, where the SQL backends failed in the driver.
 */
export function validateQuery(query: SessionQuery): void {
  if (typeof query !== "object" || query === null) {
    throw new ValidationError("query", "must be an object");
  }
  const { limit, status, statuses, inactiveBefore, after } = query;
  if (!(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new ValidationError("limit", "must be a whole number of sessions, 0 or more");
  }
  if (status !== undefined) requireStatus(status);
  validateStatuses(statuses);
  if (inactiveBefore !== undefined) requireTime("inactiveBefore", inactiveBefore);
  if (after !== undefined) validateCursor(after);
}

/**
 * A cursor is a position a listing returned: its id, unlike a `userId` filter, looks nothing up,
 * and an unstorable one would order differently in each backend.
 */
function validateCursor(after: ListCursor): void {
  if (typeof after !== "object" || after === null) {
    throw new ValidationError("after", "must be a cursor from a listing's `next`");
  }
  requireTime("after.lastActivity", after.lastActivity);
  if (!isStorableKey(after.sessionId)) {
    throw new ValidationError("after.sessionId", "must be a session id from a listing's `next`");
  }
}

/**
 * Cleanup's act and condition. Memory archived on any action but "delete" and the SQL backends
 * deleted on any but "archive": an unknown one must do neither.
 */
export function validateCleanup(action: string, condition: InactiveCondition): void {
  if (action !== "archive" && action !== "delete") {
    throw new ValidationError("action", 'must be "archive" or "delete"');
  }
  if (typeof condition !== "object" || condition === null) {
    throw new ValidationError("condition", "must be an object");
  }
  requireTime("inactiveBefore", condition.inactiveBefore);
  validateStatuses(condition.statuses);
}

function validateStatuses(statuses: readonly SessionStatus[] | undefined): void {
  if (statuses === undefined) return;
  if (!Array.isArray(statuses)) throw new ValidationError("statuses", "must be an array");
  for (let i = 0; i < statuses.length; i++) requireStatus(statuses[i], `statuses[${i}]`);
}

/** The epoch milliseconds of a Date every backend can store, or a `ValidationError`. */
function requireTime(field: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!isStorableTime(ms)) {
    throw new ValidationError(field, "must be a valid Date within the years 0001 to 9999 UTC");
  }
  return ms;
}

const COUNT = "must be a whole number, 0 or more";

/** `+ 0` turns -0 into 0, as JSON (so SQL) reads it back. */
function requireCount(field: string, value: unknown): number {
  if (!isCount(value)) throw new ValidationError(field, COUNT);
  return (value as number) + 0;
}

function requireCost(field: string, value: unknown): number {
  if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
    throw new ValidationError(field, "must be a finite number of US dollars, 0 or more");
  }
  return value + 0;
}
