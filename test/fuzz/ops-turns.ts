/**
 * The turn operations: sends and streams, ended in every way a caller can end them (completed,
 * failed by the provider, aborted, broken off, read slowly, deleted by their own reader).
 */
import type { MessageStream, Session, SessionManager } from "../../src/index.js";
import type { FuzzContext } from "./context.js";
import type { Outcome, SessionOpKind } from "./model.js";

export type TurnKind = Extract<SessionOpKind, `send${string}` | `stream${string}` | "system">;

/** Runs turn `kind` on `s`, filling `base` with what came back; throws what the call threw. */
export async function runTurn(
  ctx: FuzzContext,
  kind: TurnKind,
  s: Session,
  base: Outcome,
  manager: SessionManager,
): Promise<void> {
  const tag = base.tag!;
  switch (kind) {
    case "send":
      base.reply = await s.sendMessage(tag);
      return;
    case "sendFail":
      // Injected on every adapter of every manager: which turn it hits is up to the race.
      for (const pair of ctx.mocks) for (const m of pair) m.failNext(1, { status: 400 });
      base.reply = await s.sendMessage(tag);
      return;
    case "sendAbort":
      base.reply = await s.sendMessage(tag, { signal: abortLater(ctx) });
      return;
    case "sendMeta":
      base.reply = await s.sendMessage(tag, { metadata: { op: base.op, nested: { t: tag } } });
      return;
    case "system":
      base.reply = await s.sendSystemMessage(tag);
      return;
    case "streamFull":
      return readAll(s.streamMessage(tag), base);
    case "streamBreak":
      return breakOff(ctx, s.streamMessage(tag), base);
    case "streamAbort":
      return readAborted(ctx, s, base);
    case "streamSlow":
      return readSlowly(ctx, s.streamMessage(tag), base);
    case "streamDelete":
      return deleteWhileReading(s.streamMessage(tag), base, manager);
  }
}

/** An abort at a random moment: before the call, in the same tick, or a few ms into it. */
function abortLater(ctx: FuzzContext): AbortSignal {
  const c = new AbortController();
  const how = ctx.r.int(0, 3);
  if (how === 0) c.abort();
  else if (how === 1) queueMicrotask(() => c.abort());
  else setTimeout(() => c.abort(), ctx.r.int(0, 4));
  return c.signal;
}

async function readAll(st: MessageStream, base: Outcome): Promise<void> {
  const deltas: string[] = (base.deltas = []);
  for await (const d of st) deltas.push(d);
  base.reply = await st.reply;
}

/** Stops reading after k deltas, or returns the iterator before the first (k = 0). */
async function breakOff(ctx: FuzzContext, st: MessageStream, base: Outcome): Promise<void> {
  const deltas: string[] = (base.deltas = []);
  const k = ctx.r.int(0, 3);
  if (k > 0 || ctx.r.chance(0.5)) {
    for await (const d of st) {
      deltas.push(d);
      if (deltas.length >= k) break;
    }
  } else {
    await st[Symbol.asyncIterator]().return?.(undefined);
  }
  base.taken = deltas.length;
  base.reply = await st.reply;
}

/** Aborted at a random moment; read to its end, or only awaited for its reply. */
async function readAborted(ctx: FuzzContext, s: Session, base: Outcome): Promise<void> {
  const st = s.streamMessage(base.tag!, { signal: abortLater(ctx) });
  const deltas: string[] = (base.deltas = []);
  if (ctx.r.chance(0.5)) for await (const d of st) deltas.push(d);
  base.reply = await st.reply;
}

/** A slow reader: other operations run between its deltas. */
async function readSlowly(ctx: FuzzContext, st: MessageStream, base: Outcome): Promise<void> {
  const deltas: string[] = (base.deltas = []);
  for await (const d of st) {
    deltas.push(d);
    await new Promise((res) => setTimeout(res, ctx.r.int(0, 3)));
  }
  base.reply = await st.reply;
}

/** The reader deletes its own session mid-stream: delete must not wait for the turn. */
async function deleteWhileReading(
  st: MessageStream,
  base: Outcome,
  manager: SessionManager,
): Promise<void> {
  const deltas: string[] = (base.deltas = []);
  let deleted: boolean | undefined;
  for await (const d of st) {
    deltas.push(d);
    if (deleted === undefined) deleted = await manager.deleteSession(base.sessionId!);
  }
  base.deletedByReader = deleted;
  base.reply = await st.reply;
}
