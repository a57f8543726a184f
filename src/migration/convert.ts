import { createHash } from "node:crypto";
import type { ValidationError } from "../errors.js";
import { ZERO_COUNTERS } from "../storage/record.js";
import { MAX_DESCRIPTION_LENGTH } from "../validate.js";
import type { SessionMessage, SessionRecord, SessionStatus } from "../types.js";
import { convertMessages, parseTime as time } from "./convert-message.js";
import { mapV1ProviderToV2 } from "./provider-map.js";
import type { V1Session } from "./v1-reader.js";
import type { V1Clock } from "./v1-time.js";
import {
  cutToLength,
  isObject,
  storableId,
  unstorableMessage,
  unstorableRecord,
  wellFormed,
} from "./v1-values.js";

/** How V1 sessions become V2 records. */
export interface ConvertOptions {
  clock: V1Clock;
  /** `keep` reuses V1 ids; `renew` derives a stable UUID from each V1 id (re-runs find it again). */
  sessionIds: "keep" | "renew";
  providerMap: Readonly<Record<string, string>>;
}

/** A V1 session ready to be written: the record (counters at zero) and its messages in order. */
export interface ConvertedSession {
  v1SessionId: string;
  record: SessionRecord;
  messages: SessionMessage[];
  warnings: string[];
  /** The V1 provider name when no mapping knew it (kept as the V2 provider). */
  unknownProvider: string | null;
  /**
   * Why `record.sessionId` cannot be a V2 id (`keep` mode), or null. Not thrown by the converter:
   * a session already migrated under its `renew` id must still be found (see `writeConverted`).
   */
  idProblem: string | null;
  /**
   * Why no V2 backend can store this session as it is (text with a NUL or a lone surrogate,
   * message metadata or tool calls nested deeper than storage takes), naming the V1 field and
   * message, or null. Not thrown by the converter, so the bridge can
   * still serve the session read-only from V1; writing it (and the dry run) throws it.
   */
  unstorable: ValidationError | null;
}

/** V2 has no `inactive`/`expired`: the closest V2 status, with the V1 value kept as `v1Status`. */
const STATUS_MAP: Readonly<Record<string, SessionStatus>> = {
  active: "active",
  archived: "archived",
  inactive: "paused",
  expired: "completed",
};

// Fixed namespace so `renew` ids are the same on every run (RFC 4122 §4.3, name-based, SHA-1).
const RENEW_NAMESPACE = "langswarm-session:v1:";

/** The V2 id a V1 session gets. */
export function targetSessionId(v1SessionId: string, mode: "keep" | "renew"): string {
  if (mode === "keep") return v1SessionId;
  const h = createHash("sha1")
    .update(RENEW_NAMESPACE + v1SessionId)
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Converts one V1 session; throws an `Error` naming the bad field when a value is unusable. */
export function convertSession(v1: V1Session, options: ConvertOptions): ConvertedSession {
  const md = v1.metadata;
  const warnings = [...v1.warnings];
  const idProblem = sessionIdProblem(v1.sessionId, options.sessionIds);
  const sessionId = targetSessionId(v1.sessionId, options.sessionIds);
  const mapped = mapV1ProviderToV2(md.provider, options.providerMap);
  const status = statusOf(md.status, warnings);
  const createdAt = time(options.clock, md.created_at, "metadata.created_at");
  const updatedAt = time(options.clock, md.updated_at, "metadata.updated_at");
  const lastActivity =
    typeof md.last_activity === "string"
      ? time(options.clock, md.last_activity, "metadata.last_activity")
      : updatedAt;
  const converted = convertMessages(sessionId, v1.messages, options.clock, warnings);
  const messages = converted.messages;
  if (!countExplained(v1, messages)) {
    warnings.push(
      `metadata.message_count is ${String(md.message_count)} but ${messages.length} messages are stored (the messages are migrated)`,
    );
  }
  const record: SessionRecord = {
    sessionId,
    userId: md.user_id,
    provider: mapped ?? md.provider,
    model: md.model,
    status,
    // A Mistral conversation id is a live provider handle, for Mistral only: mapped to another
    // provider, it would be sent there as that provider's conversation. The OpenAI Assistants
    // thread id is none (that API is shut down). Both stay in metadata.
    providerSessionId:
      (mapped ?? md.provider) === md.provider ? stringOrNull(md.provider_conversation_id) : null,
    name: null,
    description: migratedDescription(v1.sessionId),
    context: {},
    providerConfig: {},
    metadata: asStored(sessionMetadata(v1, messages.length, updatedAt, warnings)),
    createdAt,
    updatedAt,
    lastActivity,
    ...ZERO_COUNTERS,
  };
  return {
    v1SessionId: v1.sessionId,
    record,
    messages,
    warnings,
    unknownProvider: mapped === null ? md.provider : null,
    idProblem,
    unstorable:
      unstorableRecord(record, {
        userId: "metadata.user_id",
        provider: mapped === null ? "metadata.provider" : "providerMap",
        model: "metadata.model",
        providerSessionId: "metadata.provider_conversation_id",
      }) ??
      unstorableMessage(v1.messages) ??
      converted.unstorable,
  };
}

/**
 * `Migrated from V1 session <id>`, with the id cut to fit V2's description limit: a renewed
 * session's V1 id may be far longer (its whole id is in `metadata.v1SessionId`). Uncut whenever
 * it fits, so sessions migrated before stay as they were written (a re-run compares records).
 */
function migratedDescription(v1SessionId: string): string {
  const full = `Migrated from V1 session ${storableId(v1SessionId)}`;
  if (full.length <= MAX_DESCRIPTION_LENGTH) return full;
  return `${cutToLength(full, MAX_DESCRIPTION_LENGTH - 1)}…`;
}

/** The V2 status of a V1 one; an unknown one is "paused", with a warning. */
function statusOf(v1Status: string, warnings: string[]): SessionStatus {
  // Own keys only: "constructor" or "toString" would find Object.prototype's functions.
  if (Object.hasOwn(STATUS_MAP, v1Status)) return STATUS_MAP[v1Status]!;
  warnings.push(`unknown status "${v1Status}" migrated as "paused"`);
  return "paused";
}

/**
 * Which V1 session a migrated session came from, across V1 files: several apps may have written
 * the same caller-chosen session id. The file path is not stable (files move), the first message
 * id changes when V1 truncates, but the user and the creation instant as V1 wrote it do not.
 */
export function v1SourceFingerprint(v1: Pick<V1Session, "metadata">): string {
  return createHash("sha256")
    .update(`${v1.metadata.user_id}\0${v1.metadata.created_at}`)
    .digest("hex")
    .slice(0, 32);
}

/**
 * Same rules as V2's `requireString` for ids, so every migrated session can be opened. A lone
 * surrogate throws (no id form can be derived from it); the rest is returned as the problem.
 */
function sessionIdProblem(id: string, mode: "keep" | "renew"): string | null {
  if (!wellFormed(id)) throw new Error("session_id is not valid Unicode (a lone surrogate)");
  if (mode === "renew") return null; // the V2 id is a UUID derived from it
  const problem =
    id.trim().length === 0
      ? "is blank"
      : id.length > 256
        ? `has ${id.length} characters (V2 allows 256)`
        : id.includes("\0")
          ? "contains a NUL character"
          : null;
  return problem && `session_id ${problem}: V2 cannot open it; migrate with --renew-ids`;
}

/**
 * V1's `message_count` lags by one per assistant reply (`send_message` adds replies through
 * `history.add_message`) and stays high after `truncate_to_limit` (v1-format §7.2): both are
 * normal and not worth a warning. Other mismatches are.
 */
function countExplained(v1: V1Session, messages: readonly SessionMessage[]): boolean {
  const count = v1.metadata.message_count;
  if (count === messages.length) return true;
  if (typeof count !== "number") return false;
  const replies = messages.filter((m) => m.role === "assistant").length;
  if (count < messages.length) return count >= messages.length - replies;
  return v1.history.truncated_at != null;
}

function sessionMetadata(
  v1: V1Session,
  stored: number,
  updatedAt: Date,
  warnings: string[],
): Record<string, unknown> {
  const md = v1.metadata;
  const h = v1.history;
  const out: Record<string, unknown> = {
    migratedFrom: "v1",
    v1SessionId: v1.sessionId,
    v1Source: v1SourceFingerprint(v1),
    // V2 moves updatedAt on every change but not when migrated messages are appended: an equal
    // value later means nothing but the migration has touched the session.
    v1MigratedUpdatedAt: updatedAt.toISOString(),
    v1Provider: md.provider,
    v1Status: md.status,
    v1SessionControl: md.session_control,
    v1Messages: stored,
    ...freeForm(md, warnings),
  };
  const optional: [string, unknown][] = [
    ["v1MessageCount", md.message_count],
    ["v1TotalTokens", md.total_tokens],
    ["v1HistoryTotalTokens", h.total_tokens],
    ["v1ProviderThreadId", md.provider_thread_id],
    ["v1ProviderConversationId", md.provider_conversation_id],
    ["v1ProviderAgentId", md.provider_agent_id],
    ["v1ContextLimit", md.context_limit],
    ["v1AutoTruncate", md.auto_truncate],
    ["v1SummarizationEnabled", md.summarization_enabled],
    ["v1Summary", h.summary],
    ["v1TruncatedAt", h.truncated_at],
    ["v1LastActivity", md.last_activity],
  ];
  for (const [key, value] of optional) if (value !== undefined && value !== null) out[key] = value;
  return out;
}

/**
 * V1's `tags` and `custom_metadata`, which V2 readers expect as a list and an object. User code
 * assigns them freely: a value of another shape leaves them empty and is kept whole under
 * `v1Tags` / `v1CustomMetadata`, as message metadata that is not an object is kept in
 * `metadata.v1.metadata`.
 */
function freeForm(md: V1Session["metadata"], warnings: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tags: Array.isArray(md.tags) ? md.tags : [],
    customMetadata: isObject(md.custom_metadata) ? md.custom_metadata : {},
  };
  if (!Array.isArray(md.tags) && md.tags != null) {
    out.v1Tags = md.tags;
    warnings.push("metadata.tags is not a list, kept only in metadata.v1Tags");
  }
  if (!isObject(md.custom_metadata) && md.custom_metadata != null) {
    out.v1CustomMetadata = md.custom_metadata;
    warnings.push(
      "metadata.custom_metadata is not an object, kept only in metadata.v1CustomMetadata",
    );
  }
  return out;
}

/**
 * Through JSON, as the SQL backends store it, so that every backend (memory too) reads back the
 * same: JSON has no -0, so Python's `-0.0` in `custom_metadata` becomes 0 everywhere, as in
 * messages.
 */
function asStored(metadata: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}
