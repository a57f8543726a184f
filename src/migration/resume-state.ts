import type { SessionMessage, SessionRecord } from "../types.js";
import type { ConvertedSession } from "./convert.js";

/**
 * How far a migrated V2 session is from what the migration wrote. A resume writes twice: the
 * record update (which the storage stamps with the wall clock), then the append whose zero
 * counters put `updatedAt` back to the migration's instant. A process killed between the two
 * leaves a session that looks used in V2 by its `updatedAt` alone; these checks tell it apart.
 */

/** The record fields a resume's update writes, as recorded in `metadata.v1MigratedRecord`. */
export function writtenRecord(
  r: Pick<SessionRecord, "status" | "provider" | "model" | "providerSessionId">,
): string {
  return JSON.stringify([r.status, r.provider, r.model, r.providerSessionId]);
}

/** The latest of V1's updated_at, last_activity and newest message: what a resume stamps. */
export function resumedAt(c: ConvertedSession): Date {
  let ms = Math.max(c.record.updatedAt.getTime(), c.record.lastActivity.getTime());
  for (const m of c.messages) ms = Math.max(ms, m.timestamp.getTime());
  return new Date(ms);
}

/**
 * Appending migrated messages leaves `updatedAt` alone while any V2 activity (a turn, a clear, an
 * update) moves it. The migration records the value it wrote; sessions migrated before that was
 * recorded are compared with the V1 row as converted now.
 */
export function touchedInV2(existing: SessionRecord, c?: ConvertedSession): boolean {
  const recorded = existing.metadata.v1MigratedUpdatedAt;
  const written =
    typeof recorded === "string" ? Date.parse(recorded) : c?.record.updatedAt.getTime();
  return written === undefined || existing.updatedAt.getTime() !== written;
}

/**
 * True when the session's `updatedAt` moved only because a resume was stopped between its record
 * update and its append: the record is still what that update wrote (V2 changes status, provider,
 * model, context, name or description in any other update) and, since V2 turns add messages, the
 * caller checks that V2 holds no message after V1's. Sessions updated before the written record
 * was kept in metadata count when their stamp is this run's and their record is V1's as now.
 * A clear in V2 changes none of these, which is why a cleared session is told apart by its
 * messages first (see `resume` in write.ts).
 */
export function resumeCutShort(existing: SessionRecord, c: ConvertedSession): boolean {
  if (!touchedInV2(existing, c) || !asCreated(existing, c.record)) return false;
  const md = existing.metadata;
  if (typeof md.v1MigratedRecord === "string")
    return md.v1MigratedRecord === writtenRecord(existing);
  return (
    md.v1MigratedUpdatedAt === resumedAt(c).toISOString() &&
    writtenRecord(existing) === writtenRecord(c.record)
  );
}

/** Whether V2's newest message is one of V1's (a V2 turn would have added its own after it). */
export function endsWithV1(present: readonly SessionMessage[], c: ConvertedSession): boolean {
  const last = present[present.length - 1];
  return last === undefined || c.messages.some((m) => m.messageId === last.messageId);
}

/**
 * True when an existing V2 session was migrated from V1 but not all its messages were written,
 * and nothing but the migration has touched it since: a first run stopped after creating it, or
 * a resume stopped after updating its record (`resumeCutShort`, needs the V1 session).
 */
export function isIncompleteMigration(existing: SessionRecord, c?: ConvertedSession): boolean {
  const md = existing.metadata;
  if (md.migratedFrom !== "v1" || typeof md.v1Messages !== "number") return false;
  if (existing.messageCount >= md.v1Messages) return false;
  return !touchedInV2(existing, c) || (c !== undefined && resumeCutShort(existing, c));
}

/**
 * Fields the migration sets once, on creation, and V2 changes only through its own updates and
 * turns (a turn that spent tokens, even on a session cleared since, leaves them in the totals).
 */
function asCreated(existing: SessionRecord, created: SessionRecord): boolean {
  const spent = existing.inputTokens + existing.outputTokens + existing.unpricedTurns;
  return (
    spent === 0 &&
    existing.costUsd === 0 &&
    existing.name === created.name &&
    existing.description === created.description &&
    JSON.stringify(existing.context) === JSON.stringify(created.context)
  );
}
