import { ValidationError } from "./errors.js";
import { MESSAGE_ROLES, SESSION_STATUSES } from "./types.js";
import type { MessageRole, SessionStatus } from "./types.js";

export const MAX_ID_LENGTH = 256;

/** A non-empty string of at most `max` characters, or a `ValidationError` naming `field`. */
export function requireString(field: string, value: unknown, max = MAX_ID_LENGTH): string {
  if (typeof value !== "string")
    throw new ValidationError(field, `must be a string, got ${kind(value)}`);
  if (value.trim().length === 0) throw new ValidationError(field, "must not be empty");
  if (value.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return value;
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
  return value;
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

/** A plain JSON-serialisable object (context, metadata, provider config). */
export function requireRecord(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(field, `must be an object, got ${kind(value)}`);
  }
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(field, `must be JSON-serialisable (${(error as Error).message})`);
  }
  return value as Record<string, unknown>;
}

export function optionalLimit(field: string, value: unknown, max = 10_000): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max) {
    throw new ValidationError(field, `must be an integer from 0 to ${max}`);
  }
  return value as number;
}

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : kind(value);
}
