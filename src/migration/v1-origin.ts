import { ValidationError } from "../errors.js";
import type { SessionRecord } from "../types.js";
import type { ConvertedSession } from "./convert.js";

/** The V1 session a V2 session may have been migrated from: its V1 id, origin and user. */
export interface V1Origin {
  v1SessionId: string;
  /** `v1SourceFingerprint` of the V1 row. */
  source: string;
  userId: string;
}

/** Whether `existing` was migrated from the V1 session `origin` (same V1 id and V1 origin). */
export function isMigrationOf(
  existing: Pick<SessionRecord, "metadata" | "userId">,
  origin: V1Origin | ConvertedSession,
): boolean {
  const o = "record" in origin ? originOf(origin) : origin;
  return isFrom(existing, o) && sameSource(existing, o);
}

function originOf(c: ConvertedSession): V1Origin {
  const source = c.record.metadata.v1Source;
  return { v1SessionId: c.v1SessionId, source: String(source), userId: c.record.userId };
}

function isFrom(existing: Pick<SessionRecord, "metadata">, o: V1Origin): boolean {
  const md = existing.metadata;
  return md.migratedFrom === "v1" && md.v1SessionId === o.v1SessionId;
}

/** Sessions migrated before the fingerprint was recorded are matched by user. */
function sameSource(existing: Pick<SessionRecord, "metadata" | "userId">, o: V1Origin): boolean {
  const recorded = existing.metadata.v1Source;
  if (typeof recorded === "string") return recorded === o.source;
  return existing.userId === o.userId;
}

/** Throws when `existing` holds this id but was not migrated from this V1 session. */
export function assertSameSource(existing: SessionRecord, c: ConvertedSession): void {
  if (!isFrom(existing, originOf(c))) {
    throw new ValidationError(
      "sessionId",
      `${existing.sessionId} is already used by another session (not migrated from this V1 session)`,
    );
  }
  if (!sameSource(existing, originOf(c))) {
    throw new ValidationError(
      "sessionId",
      `${existing.sessionId} is already used by another session, migrated from another V1 database (different user or creation time)`,
    );
  }
}
