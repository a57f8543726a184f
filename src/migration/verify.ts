import { createHash } from "node:crypto";
import { z } from "zod";
import { parseOrThrow } from "../config.js";
import type { SessionStorage } from "../storage/types.js";
import type { SessionMessage, SessionRecord } from "../types.js";
import { alignById, inARow, isMigratedMessage, lastAligned } from "./align.js";
import { convertSession } from "./convert.js";
import type { ConvertedSession, ConvertOptions } from "./convert.js";
import { closeTarget, isSessionStorage, openTarget } from "./target.js";
import type { MigrationTarget, OpenedTarget } from "./target.js";
import { V1Reader } from "./v1-reader.js";
import { V1Clock } from "./v1-time.js";
import { checkpoints } from "./checkpoint.js";
import { untilAborted } from "./abortable.js";
import { touchedInV2 } from "./resume-state.js";
import { findMigrated } from "./write.js";

export interface VerifyOptions {
  source: string;
  target: MigrationTarget;
  /** Must match the migration's `sessionIds`. @default "keep" */
  sessionIds?: "keep" | "renew";
  batchSize?: number;
  /** Must match the migration's: V1 timestamps are compared to the millisecond. */
  timezone?: string;
  /** Must match the migration's `providerMap`: the provider is compared. */
  providerMap?: Record<string, string>;
  /**
   * Stops verifying after the session it is at, or without it when the target does not answer
   * within 3 seconds (`ABORT_GRACE_MS`); rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/** How one migrated session differs from its V1 source. */
export interface SessionDifference {
  sessionId: string;
  targetSessionId: string;
  problem: "missing" | "messageCount" | "content" | "session";
  sourceMessages: number;
  targetMessages: number | null;
  sourceHash: string;
  targetHash: string | null;
  /** The first differing position and field, when there is one. */
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  checkedSessions: number;
  matchingSessions: number;
  differences: SessionDifference[];
  /**
   * Sessions used in V2 after the migration: every V1 message is there, in order, followed by
   * newer ones. Not a difference.
   */
  continued: { sessionId: string; targetSessionId: string; newMessages: number }[];
  /** V1 rows that cannot be read (already listed in the migration report's errors). */
  unreadable: { sessionId: string; error: string }[];
  durationMs: number;
}

const Options = z.strictObject({
  source: z.string().min(1),
  target: z.union([z.string().min(1), z.custom<SessionStorage>(isSessionStorage)]),
  sessionIds: z.enum(["keep", "renew"]).default("keep"),
  batchSize: z.number().int().min(1).max(100_000).default(100),
  timezone: z.string().min(1).optional(),
  providerMap: z.record(z.string(), z.string().min(1)).default({}),
  signal: z.instanceof(AbortSignal).optional(),
});

/**
 * Re-reads the V1 file and the target and compares every session: the session's user, status,
 * provider and provider session id, then every message field (id, role, content, timestamp in
 * ms, tool calls, tool call id, provider message id, finish reason, metadata) through a SHA-256
 * in order. V1's messages are matched to V2's by id when they appear in V2 in the same order (V1
 * may have truncated its oldest since). A session continued in V2 after the migration (V1's
 * messages followed by newer ones written in V2) is listed in `continued`, not as a difference;
 * its status and provider may have changed in V2 and are then not compared. Migrated messages
 * after V1's last one (V1 shrank since) do not count as continued.
 *
 * ```ts
 * const result = await verifyMigration({ source: "langswarm_sessions.db", target: "sessions.db" });
 * if (!result.ok) console.table(result.differences);
 * ```
 */
export async function verifyMigration(options: VerifyOptions): Promise<VerifyReport> {
  const o = parseOrThrow(Options, options);
  const convert: ConvertOptions = {
    clock: new V1Clock(o.timezone),
    sessionIds: o.sessionIds,
    providerMap: o.providerMap,
  };
  const started = Date.now();
  const report: VerifyReport = {
    ok: true,
    checkedSessions: 0,
    matchingSessions: 0,
    differences: [],
    continued: [],
    unreadable: [],
    durationMs: 0,
  };
  const reader = await V1Reader.open(o.source);
  let target: OpenedTarget | null = null;
  try {
    target = openTarget(o.target);
    const checkpoint = checkpoints(o.signal);
    for (const entry of reader.entries(o.batchSize)) {
      await checkpoint();
      if (!entry.ok) {
        report.unreadable.push({ sessionId: entry.sessionId, error: entry.error });
        continue;
      }
      let converted;
      try {
        converted = convertSession(entry.session, convert);
      } catch (error) {
        report.unreadable.push({
          sessionId: entry.session.sessionId,
          error: (error as Error).message,
        });
        continue;
      }
      // Refused by every target, as the migration reported: nothing of it can be compared.
      if (converted.unstorable) {
        const error = converted.unstorable.message;
        report.unreadable.push({ sessionId: entry.session.sessionId, error });
        continue;
      }
      const storage = target.storage;
      const migrated = (): Promise<boolean> => migratedUnder(storage, converted);
      if (converted.idProblem !== null && !(await untilAborted(migrated(), o.signal))) {
        report.unreadable.push({ sessionId: entry.session.sessionId, error: converted.idProblem });
        continue;
      }
      report.checkedSessions++;
      const result = await untilAborted(compare(storage, converted), o.signal);
      if (result === null) report.matchingSessions++;
      else if ("newMessages" in result) report.continued.push(result);
      else report.differences.push(result);
    }
  } finally {
    reader.close();
    await closeTarget(target, o.signal);
  }
  report.ok = report.differences.length === 0;
  report.durationMs = Date.now() - started;
  return report;
}

/** Whether a session whose V1 id V2 cannot hold was migrated under its other id form. */
async function migratedUnder(storage: SessionStorage, c: ConvertedSession): Promise<boolean> {
  return (await findMigrated(storage, c).catch(() => null)) !== null;
}

type Continued = VerifyReport["continued"][number];

async function compare(
  storage: SessionStorage,
  c: ConvertedSession,
): Promise<SessionDifference | Continued | null> {
  const source = c.messages;
  const sourceHash = contentHash(source);
  const base = {
    sessionId: c.v1SessionId,
    targetSessionId: c.record.sessionId,
    sourceMessages: source.length,
    sourceHash,
  };
  let record: SessionRecord | null;
  try {
    record = await findMigrated(storage, c);
  } catch (error) {
    return {
      ...base,
      problem: "session",
      targetMessages: null,
      targetHash: null,
      detail: (error as Error).message,
    };
  }
  if (!record) {
    return {
      ...base,
      problem: "missing",
      targetMessages: null,
      targetHash: null,
      detail: "not in the target",
    };
  }
  const all = await storage.getMessages(record.sessionId);
  // V1 may have truncated its oldest messages since: compare V1's messages with their V2
  // counterparts by id when they line up, else position by position (to name the difference).
  const truncated = c.record.metadata.v1TruncatedAt != null;
  const alignment = alignById(all, source, truncated);
  // In a row, too: a message before V1's first or between two of V1's (planted, or lost from
  // V1) is a difference, but for what a truncation dropped (see `inARow`).
  const aligned =
    alignment.ordered && alignment.positions.length === source.length && inARow(alignment, all);
  const head = aligned ? alignment.positions.map((i) => all[i]!) : all.slice(0, source.length);
  const after = all.slice(aligned ? lastAligned(alignment) + 1 : source.length);
  // Migrated messages after V1's last one are from before V1 shrank: up to date, not continued.
  const newMessages = after.filter((m) => !isMigratedMessage(m)).length;
  const targetHash = contentHash(head);
  const diff = {
    ...base,
    targetSessionId: record.sessionId,
    targetMessages: all.length,
    targetHash,
  };
  const field = sessionDifference(c.record, record, newMessages > 0);
  if (field) return { ...diff, problem: "session", detail: field };
  if (targetHash !== sourceHash || head.length < source.length) {
    const problem = head.length !== source.length ? "messageCount" : "content";
    return { ...diff, problem, detail: firstDifference(source, head) };
  }
  if (newMessages === 0) return null;
  return { sessionId: c.v1SessionId, targetSessionId: record.sessionId, newMessages };
}

/** The first session field that differs; status and provider only when V2 has not used it. */
function sessionDifference(
  source: SessionRecord,
  target: SessionRecord,
  continued: boolean,
): string | null {
  const fields = ["userId", "status", "provider", "providerSessionId"] as const;
  const used = continued || touchedInV2(target);
  for (const field of fields) {
    if (used && field !== "userId") continue;
    if (source[field] !== target[field]) {
      return `session ${field} differs: V1 ${JSON.stringify(source[field])}, target ${JSON.stringify(target[field])}`;
    }
  }
  return null;
}

const MESSAGE_FIELDS = [
  "messageId",
  "role",
  "content",
  "timestamp",
  "toolCalls",
  "toolCallId",
  "providerMessageId",
  "finishReason",
  "metadata",
] as const;

/** Every compared field of a message as a string: timestamps in ms, JSON with sorted keys. */
function fieldText(m: SessionMessage, field: (typeof MESSAGE_FIELDS)[number]): string {
  const value = m[field];
  if (typeof value === "string") return value;
  if (value instanceof Date) return String(value.getTime());
  return canonicalJson(value ?? null);
}

/** JSON with object keys sorted, so storage key order does not count as a difference. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 over every compared field of every message, length-prefixed so fields cannot run together. */
export function contentHash(messages: readonly SessionMessage[]): string {
  const hash = createHash("sha256");
  for (const m of messages) {
    for (const field of MESSAGE_FIELDS) {
      const text = fieldText(m, field);
      hash.update(`${Buffer.byteLength(text)}:`);
      hash.update(text);
    }
  }
  return hash.digest("hex");
}

function firstDifference(
  source: readonly SessionMessage[],
  target: readonly SessionMessage[],
): string {
  const n = Math.min(source.length, target.length);
  for (let i = 0; i < n; i++) {
    const s = source[i]!;
    const t = target[i]!;
    for (const field of MESSAGE_FIELDS) {
      if (fieldText(s, field) !== fieldText(t, field)) {
        return `message ${i}: ${field} differs (source id ${s.messageId})`;
      }
    }
  }
  return `source has ${source.length} messages, target ${target.length}`;
}
