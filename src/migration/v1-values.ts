import { ValidationError } from "../errors.js";
import { validateRecord } from "../storage/checks.js";
import { validateMessages } from "../storage/record.js";
import type { SessionMessage, SessionRecord } from "../types.js";
import type { V1Message } from "./v1-reader.js";

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** False for a string holding a lone UTF-16 surrogate. */
export function wellFormed(s: string): boolean {
  // ES2024, in Node since 20; the project's `lib` stays at ES2023.
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Why no V2 backend stores this text as it is, or null: a NUL (Postgres `text` cannot hold it,
 * so none takes it and the data reads back the same everywhere) or a lone surrogate (Python's
 * `ensure_ascii` can write "\ud83d" alone; SQLite and Postgres would store U+FFFD). The same
 * rules as V2's `requireStorable`.
 */
function textProblem(value: string): string | null {
  if (value.includes("\0")) return "contains a NUL character";
  if (!wellFormed(value)) return "is not valid Unicode (a lone surrogate)";
  return null;
}

/**
 * The first V1 message value V2 would store as text that no backend stores as it is, as the
 * error refusing the session, naming the field and the message. Any replacement would alter the
 * data, so the session stays in V1 untouched until it is fixed there. Found while converting,
 * before anything is written, so every target and the dry run agree.
 */
export function unstorableMessage(messages: readonly V1Message[]): ValidationError | null {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const finish = isObject(m.metadata) ? m.metadata.finish_reason : undefined;
    const fields: [string, unknown][] = [
      ["id", m.id],
      ["content", m.content],
      ["tool_call_id", m.tool_call_id],
      ["provider_message_id", m.provider_message_id],
      ["metadata.finish_reason", finish],
    ];
    for (const [name, value] of fields) {
      const problem = typeof value === "string" ? textProblem(value) : null;
      if (problem) {
        return new ValidationError(
          `history.messages[${i}].${name}`,
          `message ${JSON.stringify(m.id)} ${problem}; fix it in V1 and re-run`,
        );
      }
    }
  }
  return null;
}

/**
 * The same for the session's text columns (JSON metadata stores any string escaped), then what
 * every storage checks of a new record (`validateRecord`: blank or overlong ids, …), so that the
 * dry run finds what a real run's write would refuse. `from` names the V1 field each came from;
 * a provider the provider map chose is named as the map.
 */
export function unstorableRecord(
  record: SessionRecord,
  from: Partial<Record<keyof SessionRecord, string>>,
): ValidationError | null {
  const fields = ["userId", "provider", "model", "providerSessionId", "name"] as const;
  for (const field of fields) {
    const value = record[field];
    const problem = typeof value === "string" ? textProblem(value) : null;
    if (problem) {
      return new ValidationError(
        from[field] ?? field,
        `${JSON.stringify(value)} ${problem}; fix it in V1 and re-run`,
      );
    }
  }
  try {
    // The session id has a check of its own (`idProblem`: a long one may be migrated renewed).
    validateRecord({ ...record, sessionId: "checked-apart" });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = from[error.field as keyof SessionRecord] ?? error.field;
    return new ValidationError(field, `${error.reason}; fix it in V1 and re-run`);
  }
  return null;
}

// A storage path can run as deep as the nesting it refuses: shown cut, the message stays readable.
const MAX_SHOWN_PATH = 60;

/**
 * What every storage checks of a message it appends (`validateMessages`: JSON nested too deep in
 * metadata or tool calls, …) on a converted one, as the error refusing the session, naming its
 * V1 position; null if storage takes it. Found while converting, so the dry run finds what a real
 * run's append would refuse.
 */
export function unstorableConverted(
  message: SessionMessage,
  v1Id: string,
  at: number,
): ValidationError | null {
  try {
    validateMessages([message]);
    return null;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const path =
      error.field.length > MAX_SHOWN_PATH
        ? `${error.field.slice(0, MAX_SHOWN_PATH)}…`
        : error.field;
    return new ValidationError(
      `history.messages[${at}]`,
      `message ${JSON.stringify(v1Id)} cannot be stored: its ${path} ${error.reason}; fix it in V1 and re-run`,
    );
  }
}

/** Text every backend stores: a V1 session id quoted as JSON when it is not (see `textProblem`). */
export function storableId(id: string): string {
  return textProblem(id) === null ? id : JSON.stringify(id);
}

/**
 * The first `length` UTF-16 units of `s`, less a high surrogate the cut would leave alone at the
 * end (storage refuses a lone surrogate).
 */
export function cutToLength(s: string, length: number): string {
  if (s.length <= length) return s;
  const cut = s.slice(0, length);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
