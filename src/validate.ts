import { ValidationError } from "./errors.js";
import { validateHistoryWindow } from "./history-window.js";
import { MESSAGE_ROLES, SESSION_STATUSES } from "./types.js";
import type { MessageRole, SessionStatus } from "./types.js";

export const MAX_ID_LENGTH = 256;

/** A non-empty string of at most `max` characters, or a `ValidationError` naming `field`. */
export function requireString(field: string, value: unknown, max = MAX_ID_LENGTH): string {
  if (typeof value !== "string")
    throw new ValidationError(field, `must be a string, got ${kind(value)}`);
  if (value.trim().length === 0) throw new ValidationError(field, "must not be empty");
  if (value.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return requireStorable(field, value);
}

/** The longest `description` a session may have (its other text fields: `MAX_ID_LENGTH`). */
export const MAX_DESCRIPTION_LENGTH = 10_000;

/** `requireString`, or null for a value left out (`null`, or `undefined` for an unset option). */
export function optionalText(field: string, value: unknown, max?: number): string | null {
  return value === undefined || value === null ? null : requireString(field, value, max);
}

/** A token count or the like: a whole number, 0 or more. */
export function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Message content: a non-empty string within the configured size limit (UTF-8 bytes). */
export function requireContent(value: unknown, maxBytes: number, field = "content"): string {
  if (typeof value !== "string")
    throw new ValidationError(field, `must be a string, got ${kind(value)}`);
  if (value.trim().length === 0) throw new ValidationError(field, "must not be empty");
  // Cheap bound first: UTF-8 needs at most 3 bytes per UTF-16 unit.
  if (value.length * 3 > maxBytes && Buffer.byteLength(value, "utf8") > maxBytes) {
    throw new ValidationError(field, `is larger than the limit of ${maxBytes} bytes`);
  }
  return requireStorable(field, value);
}

// ES2024, in Node since 20; the project's `lib` stays at ES2023 so no newer API slips in.
type WellFormedString = string & { isWellFormed(): boolean };

/**
 * Text every backend stores verbatim: no NUL (Postgres `text` cannot hold it) and no lone
 * surrogate (SQLite and Postgres would store U+FFFD instead).
 */
export function requireStorable(field: string, value: string): string {
  if (value.includes("\0")) throw new ValidationError(field, "must not contain NUL (U+0000)");
  if (!(value as WellFormedString).isWellFormed()) {
    throw new ValidationError(field, "must be well-formed Unicode (it has a lone surrogate)");
  }
  return value;
}

/**
 * Text from outside (a provider's reply) made storable by every backend: NUL and lone
 * surrogates become U+FFFD, as SQLite and Postgres would otherwise each do differently (or
 * refuse the turn). Null when the text is storable as it is.
 */
export function repairedText(value: string): string | null {
  if (!value.includes("\0") && (value as WellFormedString).isWellFormed()) return null;
  return (value as WellFormedString & { toWellFormed(): string })
    .toWellFormed()
    .replaceAll("\0", "\uFFFD");
}

/** True if `value` is text every backend stores verbatim (see `requireStorable`). */
export function isStorableText(value: unknown): boolean {
  return (
    typeof value === "string" && !value.includes("\0") && (value as WellFormedString).isWellFormed()
  );
}

/** True if `value` is a plain JSON object that `requireRecord` would accept. */
export function isJsonRecord(value: unknown): boolean {
  try {
    requireRecord("value", value);
    return true;
  } catch {
    return false;
  }
}

export function requireRole(
  value: unknown,
  allowed: readonly MessageRole[] = MESSAGE_ROLES,
): MessageRole {
  if (!allowed.includes(value as MessageRole)) {
    throw new ValidationError("role", `must be one of ${allowed.join(", ")}, got ${show(value)}`);
  }
  return value as MessageRole;
}

export function requireStatus(value: unknown, field = "status"): SessionStatus {
  if (!SESSION_STATUSES.includes(value as SessionStatus)) {
    throw new ValidationError(
      field,
      `must be one of ${SESSION_STATUSES.join(", ")}, got ${show(value)}`,
    );
  }
  return value as SessionStatus;
}

/**
 * A plain JSON object (context, metadata, provider config), returned as a deep copy so that
 * every backend stores the same thing. Keys whose value is `undefined` are left out, as JSON
 * does; anything JSON cannot carry as it is (functions, NaN, Dates, class instances, cycles)
 * is refused rather than silently changed.
 */
export function requireRecord(field: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError(field, `must be a plain object, got ${kind(value)}`);
  }
  return copyJson(field, value, new Set()) as Record<string, unknown>;
}

// Names of settings that hold a credential (matched whole, so "maxTokens" is not one). Also
// blanked in a thrown object's text (see `failureText`).
export const CREDENTIAL_KEY =
  /^(?:x-)?(?:api[-_]?key|authorization|password|passwd|secret|client[-_]?secret|(?:api|access|auth|bearer|refresh|session|id)?[-_]?token|private[-_]?key)$/i;

/**
 * A session's provider config: JSON, and without credentials. It is stored with the session
 * and shown back (`session.providerConfig`, `sessions show`), so a key put there would be kept
 * in plain text; keys belong in the manager's provider options, which are never stored.
 */
export function requireProviderConfig(field: string, value: unknown): Record<string, unknown> {
  const config = requireRecord(field, value);
  validateHistoryWindow(field, config);
  const credential = credentialPath(field, config);
  if (credential) {
    throw new ValidationError(
      credential,
      "must not hold a credential: it would be stored with the session; give keys in the " +
        "manager's provider options (providers: { openai: { apiKey } }), which are never stored",
    );
  }
  return config;
}

/** A string or number, or an array holding one (at any depth): what a credential is. */
function holdsValue(value: unknown): boolean {
  if (typeof value === "string" || typeof value === "number") return true;
  return Array.isArray(value) && value.some(holdsValue);
}

function credentialPath(path: string, value: unknown): string | null {
  if (value === null || typeof value !== "object") return null;
  for (const [key, inner] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    // A value, not a schema: a tool's parameter may well be called "password".
    if (holdsValue(inner) && !Array.isArray(value) && CREDENTIAL_KEY.test(key)) return at;
    const deeper = credentialPath(at, inner);
    if (deeper) return deeper;
  }
  return null;
}

// Deeper than any real context or metadata, and far from the stack limit.
const MAX_DEPTH = 100;

function copyJson(path: string, value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    // JSON has no -0: SQL backends read it back as 0, so every backend keeps 0.
    if (Number.isFinite(value)) return value === 0 ? 0 : value;
    throw new ValidationError(path, `must be JSON: ${value} is not a JSON number`);
  }
  if (typeof value !== "object" || !(Array.isArray(value) || isPlainObject(value))) {
    const what = value instanceof Date ? "a Date (use toISOString())" : kind(value);
    throw new ValidationError(path, `must be JSON: ${what} is not a JSON value`);
  }
  if (seen.has(value)) throw new ValidationError(path, "must be JSON: it refers to itself");
  if (seen.size >= MAX_DEPTH) throw new ValidationError(path, `is nested deeper than ${MAX_DEPTH}`);
  seen.add(value);
  const copy = Array.isArray(value)
    ? copyArray(path, value, seen)
    : copyObject(path, value as Record<string, unknown>, seen);
  seen.delete(value);
  return copy;
}

/** As JSON does: a hole or an `undefined` entry becomes null. */
function copyArray(path: string, value: unknown[], seen: Set<object>): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    out.push(value[i] === undefined ? null : copyJson(`${path}[${i}]`, value[i], seen));
  }
  return out;
}

function copyObject(
  path: string,
  value: Record<string, unknown>,
  seen: Set<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    // defineProperty, so that a "__proto__" key is kept as data, not taken as the prototype.
    Object.defineProperty(out, k, {
      value: copyJson(`${path}.${k}`, v, seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function optionalLimit(
  field: string,
  value: unknown,
  max = 10_000,
  min = 0,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  }
  return value as number;
}

/** An options argument: undefined is none; anything but an object (null too) is refused. */
export function requireOptions<T extends object>(value: T | undefined, field = "options"): T {
  if (value === undefined) return {} as T;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(field, `must be an object, got ${kind(value)}`);
  }
  return value;
}

/** `requireOptions` that also refuses a key not in `known` (see `refuseUnknownKeys`). */
export function knownOptions<T extends object>(value: T | undefined, known: readonly string[]): T {
  const options = requireOptions(value);
  refuseUnknownKeys("options", options, known);
  return options;
}

/** Refuses a key that is not an option (a typo would otherwise be ignored without a word). */
export function refuseUnknownKeys(field: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ValidationError(field ? `${field}.${key}` : key, "is not an option");
    }
  }
}

/** An `AbortSignal` or nothing; duck-typed so that a signal from another realm passes too. */
export function optionalSignal(field: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<AbortSignal> | null;
  const ok =
    typeof v === "object" &&
    v !== null &&
    typeof v.aborted === "boolean" &&
    typeof v.addEventListener === "function" &&
    typeof v.removeEventListener === "function";
  if (!ok) throw new ValidationError(field, `must be an AbortSignal, got ${kind(value)}`);
  return value as AbortSignal;
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : kind(value);
}
