import { ConcurrencyError, ValidationError } from "../errors.js";
import type { SessionStorage } from "../storage/types.js";
import type { SessionRecord } from "../types.js";
import type { ConvertedSession } from "./convert.js";

/** What writing one converted session did. */
export type WriteOutcome =
  { kind: "migrated"; messages: number } | { kind: "skipped"; note?: string };

/**
 * Writes one converted session idempotently: creates it and appends its messages, or, if it is
 * already there, finishes an interrupted write or skips it. A crash may land between the two
 * writes (the session exists with fewer messages); the next run appends exactly the missing
 * messages, in source order. Safe against a concurrent writer of the same session: the storage
 * refuses a taken session id or message id, and the state is then read again.
 *
 * Throws a plain `Error` when the target holds a different session under this id.
 */
export async function writeConverted(
  storage: SessionStorage,
  c: ConvertedSession,
): Promise<WriteOutcome> {
  const id = c.record.sessionId;
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await storage.getSession(id);
    if (!existing) {
      if (!(await attempt_(() => storage.createSession(c.record), "sessionId"))) continue;
      if (c.messages.length === 0) return { kind: "migrated", messages: 0 };
      if (!(await attempt_(() => storage.appendMessages(id, c.messages), "messageId"))) continue;
      return { kind: "migrated", messages: c.messages.length };
    }
    const state = classify(existing, c);
    if (state !== "incomplete") return state;
    const present = await storage.getMessages(id);
    for (let i = 0; i < present.length; i++) {
      if (present[i]!.messageId !== c.messages[i]?.messageId) {
        throw new Error(
          `target session ${id} differs from the V1 session at message ${i}; run verify`,
        );
      }
    }
    const missing = c.messages.slice(present.length);
    if (!(await attempt_(() => storage.appendMessages(id, missing), "messageId"))) continue;
    return { kind: "migrated", messages: missing.length };
  }
  throw new ConcurrencyError(`session ${id} kept changing while it was being migrated`);
}

/**
 * True when an existing V2 session was migrated from V1 but not all its messages were written.
 * Appending migrated messages leaves `updatedAt` alone while any V2 activity (a turn, a clear, an
 * update) moves it, so an unmoved `updatedAt` means only the migration has touched the session.
 */
export function isIncompleteMigration(existing: SessionRecord, migratedUpdatedAt: Date): boolean {
  const md = existing.metadata;
  if (md.migratedFrom !== "v1" || typeof md.v1Messages !== "number") return false;
  if (existing.messageCount >= md.v1Messages) return false;
  return existing.updatedAt.getTime() === migratedUpdatedAt.getTime();
}

function classify(
  existing: SessionRecord,
  c: ConvertedSession,
): "incomplete" | { kind: "skipped"; note?: string } {
  const md = existing.metadata;
  if (md.migratedFrom !== "v1" || md.v1SessionId !== c.v1SessionId) {
    throw new Error(
      `target already has a session ${existing.sessionId} that was not migrated from this V1 session`,
    );
  }
  if (existing.messageCount >= c.messages.length) return { kind: "skipped" };
  if (!isIncompleteMigration(existing, c.record.updatedAt)) {
    return {
      kind: "skipped",
      note: `has ${existing.messageCount} of ${c.messages.length} V1 messages but was changed in V2 after migration; left as is`,
    };
  }
  return "incomplete";
}

/** Runs a write; false when the storage refused it because `field` was taken meanwhile. */
async function attempt_(write: () => Promise<void>, field: string): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ValidationError && error.field === field) return false;
    throw error;
  }
}
