/**
 * Runs the fuzz: batches of random operations started together (so they interleave), each batch
 * checked once it has settled; then a last batch left in flight while the managers close, and
 * what close left behind checked through a fresh storage object.
 */
import type { Session } from "../../src/index.js";
import { checkBatch } from "./checks.js";
import {
  allowedFailure,
  count,
  MAX_VIOLATIONS,
  newContext,
  remember,
  type FuzzContext,
  type FuzzOptions,
} from "./context.js";
import { errText, type Outcome } from "./model.js";
import {
  CLOSING_OPS,
  cleanupOp,
  create,
  goneOp,
  listOp,
  recreate,
  sessionOp,
  SESSION_OPS,
} from "./operations.js";

export type { FuzzOptions } from "./context.js";

export interface FuzzResult {
  seed: number;
  violations: string[];
  unhandled: unknown[];
  opsRun: number;
  counts: Record<string, number>;
  /** The last operations run, with how they ended. */
  recent: string[];
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  // A rejection nobody handles is a bug of its own: collected, not left to crash the run.
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  const ctx = newContext(options);
  const maxBatch = options.maxBatch ?? 12;
  try {
    for (let batch = 1; ctx.opNo < options.ops; batch++) {
      const outcomes = await Promise.all(startBatch(ctx, ctx.r.int(1, maxBatch)));
      await checkBatch(ctx, outcomes, batch, { storage: ctx.storage, listing: true });
      if (ctx.violations.length >= MAX_VIOLATIONS) break;
    }
    await closePhase(ctx, options, maxBatch);
  } finally {
    await new Promise((res) => setTimeout(res, 20)); // late rejections of the close
    process.off("unhandledRejection", onUnhandled);
  }
  const { violations, opNo: opsRun, counts, recent } = ctx;
  return { seed: options.seed, violations, unhandled, opsRun, counts, recent };
}

/** Starts up to n operations at once; a gone id is made anew at most once per batch. */
function startBatch(ctx: FuzzContext, n: number): Promise<Outcome>[] {
  const { r, model } = ctx;
  const tasks: Promise<Outcome>[] = [];
  const recreating = new Set<string>();
  for (let i = 0; i < n; i++) {
    const x = r.next();
    const ids = [...model.live.keys()];
    let task: Promise<Outcome> | undefined;
    if (ids.length < 3 || x < 0.06) task = create(ctx);
    else if (x < 0.1) task = listOp(ctx);
    else if (x < 0.11) task = cleanupOp(ctx);
    else if (x < 0.13 && model.old.size) {
      const id = r.pick([...model.old.keys()]);
      task = goneOp(ctx, id, model.old.get(id)!);
    } else if (x < 0.15 && model.gone.size) {
      const id = r.pick([...model.gone]);
      if (!recreating.has(id)) task = recreate(ctx, id);
      recreating.add(id);
    } else {
      const kind = r.weighted(SESSION_OPS);
      count(ctx, kind);
      task = sessionOp(ctx, kind, r.pick(ids));
    }
    if (task) tasks.push(task.then((o) => remember(ctx, o)));
  }
  return tasks;
}

/**
 * A last batch in flight while the managers close. Closing a manager closes its storage object,
 * for every manager on it: one closed while another manager on it still runs calls is the
 * user's mistake (those calls can hang on a closed pool), so the calls in flight go through the
 * first manager of each storage object only, and the others close after it.
 */
async function closePhase(ctx: FuzzContext, options: FuzzOptions, maxBatch: number) {
  ctx.closing = true;
  const first = ctx.storeOfManager.map((store, i) => ctx.storeOfManager.indexOf(store) === i);
  const inFlight = ctx.violations.length < MAX_VIOLATIONS ? lastBatch(ctx, first, maxBatch) : [];
  await new Promise((res) => setTimeout(res, ctx.r.int(0, 3)));
  const closeFirst = ctx.managers.filter((_, i) => first[i]);
  const closeLater = ctx.managers.filter((_, i) => !first[i]);
  const closed = await within(
    10_000,
    Promise.all(closeFirst.map((m) => m.close()))
      .then(() => Promise.all(closeLater.map((m) => m.close())))
      .then(() => "ok"),
  );
  if (closed !== "ok") ctx.fail(`close(): ${closed}; in flight: ${ctx.recent.join("; ")}`);
  const outcomes = await within(5_000, Promise.all(inFlight));
  if (typeof outcomes === "string") return ctx.fail(`calls in flight at close(): ${outcomes}`);
  if (!options.reopen) {
    for (const o of outcomes)
      if (!o.ok && !allowedFailure(ctx, o))
        ctx.fail(`after close op${o.op} ${o.kind}: ${errText(o.error)}`);
    return;
  }
  const again = options.reopen();
  try {
    await checkBatch(ctx, outcomes, "after close", { storage: again, listing: false });
  } finally {
    await again.close();
  }
}

/** Appending operations on handles of the managers that close first (see `closePhase`). */
function lastBatch(ctx: FuzzContext, first: boolean[], n: number): Promise<Outcome>[] {
  const usable = (s: Session) => first[ctx.model.managerOf.get(s)!] === true;
  const ids = [...ctx.model.live.keys()].filter((id) => ctx.model.handles.get(id)?.some(usable));
  const tasks: Promise<Outcome>[] = [];
  for (let i = 0; i < n && ids.length; i++) {
    const id = ctx.r.pick(ids);
    const handles = ctx.model.handles.get(id)!.filter(usable);
    const op = sessionOp(ctx, ctx.r.pick(CLOSING_OPS), id, handles);
    tasks.push(op.then((o) => remember(ctx, o)));
  }
  return tasks;
}

/** `promise`'s value, "timeout" if it takes longer than `ms`, or the text of its rejection. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((res) => {
    timer = setTimeout(() => res(`timeout after ${ms} ms`), ms);
  });
  try {
    return await Promise.race([promise.then((v) => v, errText), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
