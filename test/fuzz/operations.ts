/**
 * The operations the fuzz runs: one per call of the public API, each turned into an `Outcome`
 * (never a rejection) for the checker to judge once its batch has settled.
 */
import { SessionNotFoundError, type Session } from "../../src/index.js";
import type { FuzzContext } from "./context.js";
import { addHandle, noteSwitch, reborn, type Outcome, type SessionOpKind } from "./model.js";
import { runTurn, type TurnKind } from "./ops-turns.js";

/** How often each operation on a live session is picked, relative to the others. */
export const SESSION_OPS: readonly (readonly [SessionOpKind, number])[] = [
  ["send", 20],
  ["sendFail", 5],
  ["sendAbort", 8],
  ["streamFull", 8],
  ["streamBreak", 6],
  ["streamAbort", 6],
  ["system", 5],
  ["clear", 2],
  ["context", 5],
  ["switch", 3],
  ["archive", 2],
  ["delete", 1.5],
  ["staleGet", 4],
  ["streamSlow", 4],
  ["streamDelete", 0.7],
  ["sendMeta", 3],
  ["peek", 4],
];

/** Operations that run turns or append, safe to leave in flight while the managers close. */
export const CLOSING_OPS: readonly SessionOpKind[] = [
  "send",
  "sendAbort",
  "streamFull",
  "streamBreak",
  "streamAbort",
  "system",
  "context",
];

const TURNS = new Set<string>(SESSION_OPS.map(([k]) => k).filter((k) => /^(send|stream)/.test(k)));
TURNS.add("system");

/** Both providers are used with every manager: a switch can cross between stateless and not. */
const anyProvider = (ctx: FuzzContext): string => (ctx.r.chance(0.5) ? "hist" : "mock");

/** Runs `kind` on session `id` through one of its handles (`handles` to choose among instead). */
export async function sessionOp(
  ctx: FuzzContext,
  kind: SessionOpKind,
  id: string,
  handles = ctx.model.handles.get(id)!,
): Promise<Outcome> {
  const op = ++ctx.opNo;
  const s = ctx.r.pick(handles);
  const store = ctx.storeOfManager[ctx.model.managerOf.get(s)!];
  const base: Outcome = { op, kind, sessionId: id, tag: `op${op}-${kind}`, store, ok: true };
  if (store !== undefined) ctx.model.storeOfOp.set(op, store);
  const mgrIdx = ctx.r.int(0, ctx.managers.length - 1);
  try {
    if (TURNS.has(kind)) await runTurn(ctx, kind as TurnKind, s, base, ctx.managers[mgrIdx]!);
    else await runOther(ctx, kind, s, base, mgrIdx);
  } catch (error) {
    base.ok = false;
    base.error = error;
  }
  return base;
}

/** The operations on a session that are not turns. */
async function runOther(
  ctx: FuzzContext,
  kind: SessionOpKind,
  s: Session,
  base: Outcome,
  mgrIdx: number,
): Promise<void> {
  const id = s.sessionId;
  const manager = ctx.managers[mgrIdx]!;
  switch (kind) {
    case "clear":
      return s.clearMessages();
    case "context":
      base.contextKey = `k${base.op}`;
      return s.updateContext({ [base.contextKey]: base.op });
    case "switch":
      await s.switchProvider(anyProvider(ctx), `sw-${base.op}`);
      // Recorded at once: a turn of this batch through another storage object may be refused.
      return noteSwitch(ctx.model, id, base.store!);
    case "archive":
      return manager.archiveSession(id);
    case "delete":
      return void (await manager.deleteSession(id));
    case "staleGet":
      return addHandle(ctx.model, await manager.getSession(id), mgrIdx);
    case "peek":
      return peek(ctx, s, base);
    default:
      throw new Error(`unknown op ${kind}`);
  }
}

/** Reads through a possibly stale handle: metrics and the newest N must agree with storage. */
async function peek(ctx: FuzzContext, s: Session, base: Outcome): Promise<void> {
  const k = ctx.r.int(1, 5);
  const [metrics, all, newest] = await Promise.all([
    s.getMetrics(),
    s.getMessages(),
    s.getMessages({ limit: k }),
  ]);
  base.peek = {
    total: metrics.totalMessages,
    all: all.length,
    newest: newest.map((m) => m.messageId),
    tail: all.slice(-k).map((m) => m.messageId),
  };
}

export async function create(ctx: FuzzContext): Promise<Outcome> {
  const op = ++ctx.opNo;
  const mgrIdx = ctx.r.int(0, ctx.managers.length - 1);
  const user = ctx.r.pick(ctx.model.users);
  try {
    const s = await ctx.managers[mgrIdx]!.createSession(user, anyProvider(ctx), `m-${op}`);
    ctx.model.live.set(s.sessionId, user);
    addHandle(ctx.model, s, mgrIdx);
    return { op, kind: "create", sessionId: s.sessionId, ok: true };
  } catch (error) {
    return { op, kind: "create", ok: false, error };
  }
}

/** Makes a deleted session's id anew: none of the old incarnation may leak into it. */
export async function recreate(ctx: FuzzContext, id: string): Promise<Outcome> {
  const op = ++ctx.opNo;
  const mgrIdx = ctx.r.int(0, ctx.managers.length - 1);
  const user = ctx.r.pick(ctx.model.users);
  try {
    const s = await ctx.managers[mgrIdx]!.createSession(user, anyProvider(ctx), `re-${op}`, {
      sessionConfig: { sessionId: id },
    });
    reborn(ctx.model, id, user, s, mgrIdx);
    return { op, kind: "recreate", sessionId: id, ok: true };
  } catch (error) {
    return { op, kind: "recreate", sessionId: id, ok: false, error };
  }
}

/** Pages through one user's sessions, keeping the handles it gets (they go stale later). */
export async function listOp(ctx: FuzzContext): Promise<Outcome> {
  const op = ++ctx.opNo;
  const mgrIdx = ctx.r.int(0, ctx.managers.length - 1);
  const user = ctx.r.pick(ctx.model.users);
  try {
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await ctx.managers[mgrIdx]!.getUserSessions(user, {
        limit: ctx.r.int(1, 4),
        cursor,
      });
      for (const s of page) if (ctx.model.live.has(s.sessionId)) addHandle(ctx.model, s, mgrIdx);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { op, kind: "list", ok: true };
  } catch (error) {
    return { op, kind: "list", ok: false, error };
  }
}

/** A cleanup with a threshold of tens of ms: it races the turns of the batch. */
export async function cleanupOp(ctx: FuzzContext): Promise<Outcome> {
  const op = ++ctx.opNo;
  const manager = ctx.r.pick(ctx.managers);
  const ms = ctx.r.int(20, 200);
  try {
    await manager.cleanupInactiveSessions({
      maxInactiveHours: ms / 3_600_000,
      action: ctx.r.chance(0.5) ? "delete" : "archive",
    });
    return { op, kind: "cleanup", ok: true };
  } catch (error) {
    return { op, kind: "cleanup", ok: false, error };
  }
}

/**
 * A send through a handle of a deleted incarnation: it must fail with `SessionNotFoundError`, and
 * the id must stay gone unless made anew (the checker then looks for the tag in the new one).
 */
export async function goneOp(ctx: FuzzContext, id: string, handles: Session[]): Promise<Outcome> {
  const op = ++ctx.opNo;
  const s = ctx.r.pick(handles);
  const tag = `op${op}-gone`;
  const res = await s.sendMessage(tag).then(
    () => "a reply",
    (error: unknown) => (error instanceof SessionNotFoundError ? null : String(error)),
  );
  if (res !== null) ctx.fail(`op${op}: send on deleted session ${id} gave ${res}`);
  const got = await ctx.r
    .pick(ctx.managers)
    .getSession(id)
    .then(
      () => "found",
      (e: unknown) => (e instanceof SessionNotFoundError ? "gone" : String(e)),
    );
  if (got !== "gone" && !ctx.model.live.has(id))
    ctx.fail(`op${op}: deleted session ${id} getSession → ${got}`);
  return { op, kind: "gone", sessionId: id, tag, ok: false };
}
