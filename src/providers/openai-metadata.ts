import { ValidationError } from "../errors.js";
import type { ProviderSessionInfo } from "./types.js";

// Conversations API limits on metadata.
const MAX_KEYS = 16;
const MAX_KEY_LENGTH = 64;
const MAX_VALUE_LENGTH = 512;
const METADATA_FIELDS = ["threadMetadata", "thread_metadata", "conversationMetadata"] as const;

/**
 * The conversation's metadata (the guide's `thread_metadata`): explicit `threadMetadata` from the
 * providerConfig first, then the session id, then the session's own metadata while it fits the
 * API's limits (16 keys, 64-character keys, 512-character values; longer values are cut).
 */
export function conversationMetadata(session: ProviderSessionInfo): Record<string, string> {
  const out = givenMetadata(session.providerConfig);
  const add = (key: string, value: unknown): void => {
    if (Object.keys(out).length >= MAX_KEYS || key.length > MAX_KEY_LENGTH || key in out) return;
    out[key] = stringify(value).slice(0, MAX_VALUE_LENGTH);
  };
  add("session_id", session.sessionId);
  for (const [key, value] of Object.entries(session.metadata)) add(key, value);
  return out;
}

/**
 * The metadata a providerConfig gives, all fields merged; one key is kept free for `session_id`.
 * Throws `ValidationError` where the API would answer 400 (the fields together count).
 */
export function givenMetadata(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of METADATA_FIELDS) {
    const given = config[field];
    if (given !== undefined) Object.assign(out, explicitMetadata(given, `providerConfig.${field}`));
  }
  if (Object.keys(out).length > MAX_KEYS - 1) {
    const fields = METADATA_FIELDS.filter((f) => config[f] !== undefined).join(" + ");
    throw new ValidationError(
      `providerConfig.${fields}`,
      `may have at most ${MAX_KEYS - 1} keys together (the API allows ${MAX_KEYS}, one is session_id)`,
    );
  }
  return out;
}

function explicitMetadata(value: unknown, field: string): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(field, "must be an object of string values");
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_KEYS - 1) {
    throw new ValidationError(field, `may have at most ${MAX_KEYS - 1} keys`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    const text = stringify(v);
    if (key.length > MAX_KEY_LENGTH) {
      throw new ValidationError(`${field}.${key.slice(0, 20)}…`, "key longer than 64 characters");
    }
    if (text.length > MAX_VALUE_LENGTH) {
      throw new ValidationError(`${field}.${key}`, `longer than ${MAX_VALUE_LENGTH} characters`);
    }
    out[key] = text;
  }
  return out;
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}
