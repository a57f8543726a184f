import type { SessionRecord, SessionStatus } from "../types.js";
import type { InactiveCondition, SessionQuery } from "./types.js";

/** Whether a session still matches a cleanup's condition (see `ConditionalCleanupStorage`). */
export function isInactive(record: SessionRecord, condition: InactiveCondition): boolean {
  return (
    record.lastActivity.getTime() < condition.inactiveBefore.getTime() &&
    inStatuses(record.status, condition.statuses)
  );
}

/** Whether a session passes a listing's filters (not its cursor). */
export function matchesQuery(record: SessionRecord, query: SessionQuery): boolean {
  return (
    (query.userId === undefined || record.userId === query.userId) &&
    (!query.status || record.status === query.status) &&
    inStatuses(record.status, query.statuses) &&
    (!query.inactiveBefore || record.lastActivity.getTime() < query.inactiveBefore.getTime())
  );
}

function inStatuses(
  status: SessionStatus,
  statuses: readonly SessionStatus[] | undefined,
): boolean {
  return !statuses || statuses.includes(status);
}
