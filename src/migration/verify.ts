import { createHash } from "node:crypto";
import { z } from "zod";
import { parseOrThrow } from "../config.js";
import type { SessionStorage } from "../storage/types.js";
import type { SessionMessage } from "../types.js";
import { convertSession } from "./convert.js";
import type { ConvertOptions } from "./convert.js";
import { isSessionStorage, openTarget } from "./target.js";
import type { MigrationTarget, OpenedTarget } from "./target.js";
import { V1Reader } from "./v1-reader.js";
import { V1Clock } from "./v1-time.js";

export interface VerifyOptions {
  source: string;
  target: MigrationTarget;
  /** Must match the migration's `sessionIds`. @default "keep" */
  sessionIds?: "keep" | "renew";
  batchSize?: number;
  /** Only used to read V1 timestamps; they are not compared. */
  timezone?: string;
}

/** How one migrated session differs from its V1 source. */
export interface SessionDifference {
  sessionId: string;
  targetSessionId: string;
  problem: "missing" | "messageCount" | "content";
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
});

/**
 * Re-reads the V1 file and the target and compares every session: message count and a SHA-256
 * over (id, role, content) in order. Sessions that gained messages in V2 after the migration
 * show up as `messageCount` differences.
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
    providerMap: {},
  };
  const started = Date.now();
  const report: VerifyReport = {
    ok: true,
    checkedSessions: 0,
    matchingSessions: 0,
    differences: [],
    unreadable: [],
    durationMs: 0,
  };
  const reader = await V1Reader.open(o.source);
  let target: OpenedTarget | null = null;
  try {
    target = openTarget(o.target);
    for (const entry of reader.entries(o.batchSize)) {
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
      report.checkedSessions++;
      const diff = await compare(
        target.storage,
        converted.v1SessionId,
        converted.record.sessionId,
        converted.messages,
      );
      if (diff) report.differences.push(diff);
      else report.matchingSessions++;
    }
  } finally {
    reader.close();
    await target?.close();
  }
  report.ok = report.differences.length === 0;
  report.durationMs = Date.now() - started;
  return report;
}

async function compare(
  storage: SessionStorage,
  sessionId: string,
  targetSessionId: string,
  source: readonly SessionMessage[],
): Promise<SessionDifference | null> {
  const sourceHash = contentHash(source);
  const base = { sessionId, targetSessionId, sourceMessages: source.length, sourceHash };
  if (!(await storage.getSession(targetSessionId))) {
    return {
      ...base,
      problem: "missing",
      targetMessages: null,
      targetHash: null,
      detail: "not in the target",
    };
  }
  const target = await storage.getMessages(targetSessionId);
  const targetHash = contentHash(target);
  if (targetHash === sourceHash && target.length === source.length) return null;
  const detail = firstDifference(source, target);
  const problem = target.length !== source.length ? "messageCount" : "content";
  return { ...base, problem, targetMessages: target.length, targetHash, detail };
}

/** SHA-256 over each message's id, role and content, length-prefixed so fields cannot run together. */
export function contentHash(messages: readonly SessionMessage[]): string {
  const hash = createHash("sha256");
  for (const m of messages) {
    for (const field of [m.messageId, m.role, m.content]) {
      hash.update(`${Buffer.byteLength(field)}:`);
      hash.update(field);
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
    for (const field of ["messageId", "role", "content"] as const) {
      if (s[field] !== t[field]) return `message ${i}: ${field} differs (source id ${s.messageId})`;
    }
  }
  return `source has ${source.length} messages, target ${target.length}`;
}
