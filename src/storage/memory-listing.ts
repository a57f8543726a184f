import type { SessionRecord } from "../types.js";
import { matchesQuery } from "./inactive.js";
import { cloneRecord, compareActivity, isAfter } from "./record.js";
import type { ListCursor, SessionPage, SessionQuery } from "./types.js";

/**
 * A listing over all users (cleanup, an admin scan) paged past its first page: the matching ids
 * in listing order as of its first page, and where the page last returned ended.
 */
interface Run {
  query: SessionQuery;
  ids: string[];
  at: number;
  next: ListCursor;
}

/**
 * The memory store's listings. A listing is a scan and a sort of every matching session; paging
 * through all sessions that way (cleanup does, 500 at a time) costs a scan and a sort per page,
 * quadratic in the store's size. So a listing over all users keeps its sorted ids while it is
 * paged, and a call for its next page goes on from there.
 *
 * The kept order stays right as long as no session enters the listing or moves within it; those
 * writes report the record (`touched`), and one that matches the listing's filters drops it.
 * Leaving it (archived, deleted, active again) needs nothing: each id is checked as it is read.
 */
export function memoryListing(lookup: (id: string) => SessionRecord | undefined) {
  let run: Run | null = null;

  const page = (query: SessionQuery, ids: string[], from: number): SessionPage => {
    const sessions: SessionRecord[] = [];
    let at = from;
    for (; at < ids.length && sessions.length < query.limit; at++) {
      const record = lookup(ids[at]!);
      if (record && matchesQuery(record, query)) sessions.push(cloneRecord(record));
    }
    while (at < ids.length && !isCurrent(ids[at]!, query)) at++; // so `next` means more follow
    const last = sessions[sessions.length - 1];
    const next = at < ids.length && last ? cursorOf(last) : null;
    run = next && query.userId === undefined ? { query: filtersOf(query), ids, at, next } : null;
    return { sessions, next };
  };

  const isCurrent = (id: string, query: SessionQuery): boolean => {
    const record = lookup(id);
    return record !== undefined && matchesQuery(record, query);
  };

  return {
    list(query: SessionQuery, scope: Iterable<string>): SessionPage {
      if (run && continues(run, query)) return page(query, run.ids, run.at);
      return page(query, sortedIds(query, scope, lookup), 0);
    },
    /** After a write that may bring `record` into a listing or move it within one. */
    touched(record: SessionRecord): void {
      if (run && matchesQuery(record, run.query)) run = null;
    },
    clear(): void {
      run = null;
    },
  };
}

function sortedIds(
  query: SessionQuery,
  scope: Iterable<string>,
  lookup: (id: string) => SessionRecord | undefined,
): string[] {
  const records: SessionRecord[] = [];
  for (const id of scope) {
    const r = lookup(id)!;
    if (matchesQuery(r, query) && (!query.after || isAfter(r, query.after))) records.push(r);
  }
  return records.sort(compareActivity).map((r) => r.sessionId);
}

/** Whether `query` asks for the page after the run's last one, with the same filters. */
function continues(run: Run, query: SessionQuery): boolean {
  const a = run.query;
  return (
    query.after !== undefined &&
    query.after.sessionId === run.next.sessionId &&
    query.after.lastActivity.getTime() === run.next.lastActivity.getTime() &&
    query.userId === a.userId &&
    query.status === a.status &&
    query.inactiveBefore?.getTime() === a.inactiveBefore?.getTime() &&
    sameStatuses(query.statuses, a.statuses)
  );
}

function sameStatuses(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (!!a && !!b && a.length === b.length && a.every((s, i) => s === b[i]));
}

/** The filters of a query, copied: the caller may reuse its objects for the next page. */
function filtersOf(query: SessionQuery): SessionQuery {
  const { userId, status, statuses, inactiveBefore } = query;
  return {
    userId,
    status,
    statuses: statuses && [...statuses],
    inactiveBefore: inactiveBefore && new Date(inactiveBefore),
    limit: 0,
  };
}

function cursorOf(r: SessionRecord): ListCursor {
  return { lastActivity: r.lastActivity, sessionId: r.sessionId };
}
