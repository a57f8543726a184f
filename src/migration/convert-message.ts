import { createHash } from "node:crypto";
import type { ValidationError } from "../errors.js";
import { isStorableTime } from "../storage/record.js";
import type { SessionMessage } from "../types.js";
import { MESSAGE_ROLES } from "../types.js";
import { convertToolCalls } from "./convert-tool-calls.js";
import type { V1Message } from "./v1-reader.js";
import type { V1Clock } from "./v1-time.js";
import { cutToLength, isObject, unstorableConverted } from "./v1-values.js";

/** V2's limit on a message id (storage's `validateMessages`). */
const MAX_MESSAGE_ID_LENGTH = 1024;

/**
 * Keys under which the converter keeps what V2 has no field for (the V1 timestamp with its
 * microseconds, a renamed id, ...). One namespaced object, so no key of the V1 application's own
 * message metadata is ever overwritten; `__v1migration` when the V1 metadata already uses `v1`.
 */
export const MIGRATION_KEYS = ["v1", "__v1migration"] as const;

/** What the converter records about one V1 message, under `metadata.v1` (or `__v1migration`). */
export interface V1MessageFacts {
  /** The V1 timestamp as written (microseconds, naive or with offset). */
  timestamp: string;
  /** The V1 id, when the V2 id differs (a repeated id renamed, see `uniqueIds`). */
  messageId?: string;
  /** V1 content was null (stored as ""). */
  contentNull?: true;
  /** V1 tool calls, when the stored `toolCalls` are not the verbatim V1 value. */
  toolCalls?: unknown;
  /** A non-string V1 `tool_call_id` / `provider_message_id`. */
  toolCallId?: unknown;
  providerMessageId?: unknown;
  /** V1 metadata that was not an object. */
  metadata?: unknown;
}

/** V1 messages converted, and why storage would refuse one of them (see `unstorableConverted`). */
export interface ConvertedMessages {
  messages: SessionMessage[];
  unstorable: ValidationError | null;
}

/**
 * Converts V1 messages in stored order. An exact copy of an earlier message is kept once, and
 * repeated ids are renamed deterministically (see `uniqueIds`). Each converted message gets the
 * storage's own check here, where its V1 position is still known.
 */
export function convertMessages(
  sessionId: string,
  v1: readonly V1Message[],
  clock: V1Clock,
  warnings: string[],
): ConvertedMessages {
  const kept = withoutCopies(v1);
  const copies = v1.length - kept.length;
  if (copies > 0) {
    warnings.push(
      `${copies} exact ${copies === 1 ? "copy" : "copies"} of a message kept once ` +
        `(V1's truncate_to_limit repeats system messages)`,
    );
  }
  const ids = uniqueIds(kept.map(([m]) => m));
  if (ids.repeats > 0) {
    warnings.push(`${ids.repeats} duplicate message ${ids.repeats === 1 ? "id" : "ids"} renamed`);
  }
  let unstorable: ValidationError | null = null;
  const messages = kept.map(([m, at], i) => {
    const { message, repairs } = convertMessage(sessionId, m, at, ids.ids[i]!, clock);
    if (repairs.length > 0) {
      warnings.push(
        `message ${JSON.stringify(m.id)} (history.messages[${at}]): ${repairs.join("; ")}`,
      );
    }
    unstorable ??= unstorableConverted(message, m.id, at);
    return message;
  });
  return { messages, unstorable };
}

/**
 * The messages with their V1 positions, leaving out each exact copy of an earlier system
 * message: V1's `truncate_to_limit` repeats a system message that is also among the newest (the
 * same object, written twice). It is one message, and a re-run after such a truncation must find
 * it in V2. Truncation copies nothing else, so two equal messages of another role are both kept.
 */
function withoutCopies(v1: readonly V1Message[]): [V1Message, number][] {
  const byId = new Map<string, V1Message[]>();
  const kept: [V1Message, number][] = [];
  v1.forEach((m, at) => {
    const same = m.role === "system" ? byId.get(m.id) : undefined;
    if (same?.some((earlier) => canonical(earlier) === canonical(m))) return;
    if (same) same.push(m);
    else if (m.role === "system") byId.set(m.id, [m]);
    kept.push([m, at]);
  });
  return kept;
}

/** A message as JSON with its keys in a fixed order, at every depth. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

// Ids V1 gives every reply whose response had no id: they repeat by design (v1-format §5).
const SHARED_ID = /_unknown$/;

/**
 * Message ids must be unique within a V2 session; V1 repeats some. A `<provider>_unknown` id is
 * always renamed `<id>~<digest>`, from the whole message: that stays the same whatever V1 adds
 * or truncates later, so a re-run finds the message again. Any other repeat (rare), and two
 * `_unknown` messages equal in every field, get `~<n>`, the lowest n not used by an id at or
 * before its position (as stored or as renamed): never by a later one, so messages V1 adds later
 * cannot rename earlier ones. Deterministic in stored order. `repeats` counts the `~<n>` renames.
 */
function uniqueIds(v1: readonly V1Message[]): { ids: string[]; repeats: number } {
  const used = new Set<string>();
  let repeats = 0;
  const out = v1.map((m) => {
    let fresh = SHARED_ID.test(m.id) ? renamed(m.id, `~${digest(m)}`) : m.id;
    if (used.has(fresh)) {
      let n = 2;
      while (used.has(renamed(fresh, `~${n}`))) n++;
      fresh = renamed(fresh, `~${n}`);
      repeats++;
    }
    used.add(fresh);
    return fresh;
  });
  return { ids: out, repeats };
}

/**
 * `<stem><suffix>` within V2's id limit: the stem is cut when the suffix would push a V1 id that
 * fits over it (the V1 id is kept in the facts as for every renamed id).
 */
function renamed(stem: string, suffix: string): string {
  return cutToLength(stem, MAX_MESSAGE_ID_LENGTH - suffix.length) + suffix;
}

function digest(m: V1Message): string {
  return createHash("sha256").update(canonical(m)).digest("base64url").slice(0, 10);
}

/** A converted message, and what was repaired or left out on the way (for the report). */
function convertMessage(
  sessionId: string,
  m: V1Message,
  index: number,
  messageId: string,
  clock: V1Clock,
): { message: SessionMessage; repairs: string[] } {
  const field = `history.messages[${index}]`;
  checkMessage(m, field);
  const facts: V1MessageFacts = { timestamp: m.timestamp };
  // The parsed blob is ours alone: its metadata object is reused rather than copied.
  const metadata: Record<string, unknown> = isObject(m.metadata) ? m.metadata : {};
  const key = MIGRATION_KEYS.find((k) => !Object.hasOwn(metadata, k));
  if (key === undefined) {
    throw new Error(`${field}.metadata already uses both "v1" and "__v1migration"`);
  }
  const repairs: string[] = [];
  if (!isObject(m.metadata) && m.metadata != null) {
    facts.metadata = m.metadata;
    repairs.push(`metadata is not an object, ${keptIn(key, "metadata")}`);
  }
  if (messageId !== m.id) facts.messageId = m.id;
  if (m.content === null) {
    facts.contentNull = true;
    repairs.push('content is null, migrated as ""');
  }
  const message: SessionMessage = {
    messageId,
    sessionId,
    role: m.role as SessionMessage["role"],
    content: m.content ?? "",
    timestamp: messageTime(clock, m, field),
    metadata,
  };
  repairs.push(...convertExtras(m, message, facts, key));
  if (typeof metadata.finish_reason === "string") message.finishReason = metadata.finish_reason;
  metadata[key] = facts;
  return { message, repairs };
}

/**
 * Tool calls, tool call id and provider message id onto `message`; V1 values V2 cannot use as
 * they are go to the facts. Returns what the report should say about them.
 */
function convertExtras(
  m: V1Message,
  message: SessionMessage,
  facts: V1MessageFacts,
  key: string,
): string[] {
  const repairs: string[] = [];
  const toolCalls = convertToolCalls(m.tool_calls);
  if (toolCalls.calls) message.toolCalls = toolCalls.calls;
  // Whenever the stored calls are not the verbatim V1 value, the original is kept in the facts.
  if (toolCalls.outcome !== "none" && toolCalls.outcome !== "kept") facts.toolCalls = m.tool_calls;
  if (toolCalls.outcome === "unusable") {
    const where = keptIn(key, "toolCalls");
    repairs.push(`tool calls in no shape V2 can use (left out: V2 sees no call), ${where}`);
  } else if (toolCalls.outcome === "repaired") {
    repairs.push("tool call arguments given as an object, stored as JSON text");
  }
  if (typeof m.tool_call_id === "string") message.toolCallId = m.tool_call_id;
  else if (m.tool_call_id != null) {
    facts.toolCallId = m.tool_call_id;
    repairs.push(`tool_call_id is not a string, ${keptIn(key, "toolCallId")}`);
  }
  if (typeof m.provider_message_id === "string") message.providerMessageId = m.provider_message_id;
  else if (m.provider_message_id != null) {
    facts.providerMessageId = m.provider_message_id;
    repairs.push(`provider_message_id is not a string, ${keptIn(key, "providerMessageId")}`);
  }
  return repairs;
}

function keptIn(key: string, name: keyof V1MessageFacts): string {
  return `kept only in metadata.${key}.${name}`;
}

/**
 * What V2 refuses whatever its backend and that has no storable stand-in. Text no backend
 * stores (a NUL, a lone surrogate) is found separately (`unstorableMessage`): such a session can
 * still be read from V1 through the bridge, it only cannot be written.
 */
function checkMessage(m: V1Message, field: string): void {
  if (!MESSAGE_ROLES.includes(m.role as SessionMessage["role"])) {
    throw new Error(`${field}.role "${m.role}" is not a known role`);
  }
  // V1's id, not the V2 one: a rename always fits (see `renamed`), and must not be blamed on V1.
  if (m.id.length === 0 || m.id.length > MAX_MESSAGE_ID_LENGTH) {
    throw new Error(`${field}.id must have 1 to ${MAX_MESSAGE_ID_LENGTH} characters`);
  }
}

/**
 * V2 stores instants of the years 0001 to 9999 UTC only; a naive V1 time at the edge can fall
 * outside after the zone shift. Refused here, before anything is written, naming the message.
 */
function messageTime(clock: V1Clock, m: V1Message, field: string): Date {
  const date = parseTime(clock, m.timestamp, `${field}.timestamp`);
  if (!isStorableTime(date.getTime())) {
    throw new Error(
      `${field}.timestamp "${m.timestamp}" of message ${JSON.stringify(m.id)} is outside the years 0001 to 9999 UTC that V2 can store`,
    );
  }
  return date;
}

export function parseTime(clock: V1Clock, value: string, field: string): Date {
  const date = clock.parse(value);
  if (!date) throw new Error(`${field} "${value}" is not an ISO date-time`);
  return date;
}
