/**
 * Listing invariants, checked between batches (nothing runs then): paging through a user's
 * sessions gives every live one exactly once, newest activity first, and the listings by status
 * partition the full one.
 */
import type { SessionManager } from "../../src/index.js";
import type { FuzzContext } from "./context.js";

export async function checkListings(ctx: FuzzContext, where: string): Promise<void> {
  for (const user of ctx.model.users) {
    const manager = ctx.r.pick(ctx.managers);
    const { ids, activity } = await listAll(ctx, manager, user);
    checkFullListing(ctx, where, user, ids, activity);
    const byStatus = await listByStatus(ctx, where, manager, user);
    if ([...byStatus].sort().join() !== [...ids].sort().join())
      ctx.fail(
        `${where}: ${user}'s active+archived listings (${byStatus.length}) differ from the ` +
          `full listing (${ids.length})`,
      );
  }
}

/** Pages of random sizes; each session's activity read from its record, for the order check. */
async function listAll(ctx: FuzzContext, manager: SessionManager, user: string) {
  const ids: string[] = [];
  const activity: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 200; i++) {
    const page = await manager.getUserSessions(user, { limit: ctx.r.int(1, 5), cursor });
    for (const s of page) {
      ids.push(s.sessionId);
      activity.push((await s.refresh()).lastActivity.getTime());
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { ids, activity };
}

function checkFullListing(
  ctx: FuzzContext,
  where: string,
  user: string,
  ids: string[],
  activity: number[],
): void {
  const want = [...ctx.model.live].filter(([, u]) => u === user).map(([id]) => id);
  const seen = new Set(ids);
  if (seen.size !== ids.length) ctx.fail(`${where}: listing of ${user} repeats a session`);
  for (const id of want) if (!seen.has(id)) ctx.fail(`${where}: listing of ${user} misses ${id}`);
  for (const id of ids)
    if (!ctx.model.live.has(id)) ctx.fail(`${where}: listing of ${user} has unknown/deleted ${id}`);
  for (let i = 1; i < activity.length; i++)
    if (activity[i]! > activity[i - 1]!)
      ctx.fail(`${where}: listing of ${user} out of activity order at ${i}`);
}

/** The active and the archived listings, each session in the status it was listed under. */
async function listByStatus(
  ctx: FuzzContext,
  where: string,
  manager: SessionManager,
  user: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const status of ["active", "archived"] as const) {
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const page = await manager.getUserSessions(user, {
        status,
        limit: ctx.r.int(1, 5),
        cursor,
      });
      for (const s of page) {
        ids.push(s.sessionId);
        if (s.status !== status)
          ctx.fail(`${where}: ${status} listing of ${user} gave a ${s.status} session`);
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  return ids;
}
