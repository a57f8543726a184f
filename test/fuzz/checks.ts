/**
 * The check run after each batch has settled: every outcome judged, the model reconciled with
 * storage (deleted sessions stay gone), then each touched session (and a few others) inspected.
 */
import { SessionNotFoundError, type SessionStorage } from "../../src/index.js";
import { checkListings } from "./check-listing.js";
import { checkOutcomes } from "./check-outcomes.js";
import { checkTranscript } from "./check-transcript.js";
import { allowedFailure, category, count, type FuzzContext } from "./context.js";
import { bury, errText, type Outcome } from "./model.js";

export interface CheckOptions {
  /** Where to read the truth from (another storage object on the database after close). */
  storage: SessionStorage;
  /** Listing goes through the managers: only while they are open. */
  listing: boolean;
}

export async function checkBatch(
  ctx: FuzzContext,
  outcomes: Outcome[],
  batch: number | string,
  { storage, listing }: CheckOptions,
): Promise<void> {
  const where = `batch ${batch}`;
  const cleanupRan = outcomes.some((o) => o.kind === "cleanup");
  for (const o of outcomes) judge(ctx, where, o, outcomes, cleanupRan);
  await reconcile(ctx, where, outcomes, storage, cleanupRan);
  const touched = new Set(outcomes.map((o) => o.sessionId));
  for (const id of ctx.model.live.keys()) {
    // Untouched sessions are checked now and then too: a batch may corrupt another session.
    if (!touched.has(id) && ctx.r.next() > 0.15) continue;
    const rec = await storage.getSession(id);
    if (!rec) continue;
    const msgs = await storage.getMessages(id);
    checkTranscript(ctx, where, rec, msgs);
    checkOutcomes(ctx, where, rec, msgs, outcomes);
  }
  if (listing) await checkListings(ctx, where);
}

/** One outcome on its own: an allowed error, a stream its own reader deleted, a quiet peek. */
function judge(ctx: FuzzContext, where: string, o: Outcome, all: Outcome[], cleanupRan: boolean) {
  count(ctx, `${o.kind}:${category(o)}`);
  if (o.kind === "streamDelete" && o.deletedByReader) {
    if (o.ok) ctx.fail(`${where} op${o.op}: stream whose session its reader deleted resolved`);
    else if (!(o.error instanceof SessionNotFoundError))
      ctx.fail(
        `${where} op${o.op}: stream whose session its reader deleted rejected with ` +
          `${errText(o.error)}, not SessionNotFoundError`,
      );
  }
  // Metrics and the newest messages agree with the transcript if nothing else ran on the session.
  const alone = all.filter((x) => x.sessionId === o.sessionId).length === 1;
  if (o.peek && !cleanupRan && alone) {
    if (o.peek.total !== o.peek.all)
      ctx.fail(`${where} op${o.op}: metrics total ${o.peek.total} != ${o.peek.all} messages`);
    if (o.peek.newest.join() !== o.peek.tail.join())
      ctx.fail(`${where} op${o.op}: newest N differs from the tail`);
  }
  if (!o.ok && o.error !== undefined && !allowedFailure(ctx, o))
    ctx.fail(`${where} op${o.op} ${o.kind}: unexpected error ${errText(o.error)}`);
}

/** Which believed-live sessions are gone, and whether anything explains it. */
async function reconcile(
  ctx: FuzzContext,
  where: string,
  outcomes: Outcome[],
  storage: SessionStorage,
  cleanupRan: boolean,
): Promise<void> {
  const { model } = ctx;
  for (const o of outcomes) {
    const deleted =
      (o.kind === "delete" && o.ok) || (o.kind === "streamDelete" && o.deletedByReader);
    if (deleted && model.live.has(o.sessionId!)) bury(model, o.sessionId!);
  }
  for (const id of [...model.live.keys()]) {
    if (await storage.getSession(id)) continue;
    const deletedBy = outcomes.some(
      (o) => (o.kind === "delete" || o.kind === "streamDelete") && o.sessionId === id,
    );
    if (!deletedBy && !cleanupRan) ctx.fail(`${where}: session ${id} vanished`);
    bury(model, id);
  }
  for (const id of model.gone)
    if (await storage.getSession(id)) ctx.fail(`${where}: deleted session ${id} is back`);
}
