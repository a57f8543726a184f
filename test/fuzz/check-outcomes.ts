/**
 * What each call of a batch said must match what its session stored: a call that succeeded is
 * stored, one that failed after it started keeps its input unanswered, one refused before it
 * started stored nothing, and context keys set are never lost.
 */
import {
  ConcurrencyError,
  ProviderError,
  type SessionMessage,
  type SessionRecord,
} from "../../src/index.js";
import type { FuzzContext } from "./context.js";
import { errText, isTurn, type Outcome } from "./model.js";

export function checkOutcomes(
  ctx: FuzzContext,
  where: string,
  rec: SessionRecord,
  msgs: SessionMessage[],
  outcomes: Outcome[],
): void {
  const id = rec.sessionId;
  const mine = outcomes.filter((o) => o.sessionId === id);
  for (const o of mine)
    if (o.kind === "gone" && msgs.some((m) => m.content === o.tag))
      ctx.fail(`${where}: a deleted incarnation's handle wrote "${o.tag}" into ${id} made anew`);
  // A clear in the batch may have removed what the others stored: only "not started" is sure.
  const cleared = mine.some((o) => o.kind === "clear");
  const index = new Map(msgs.map((m, i) => [m.content, i] as const));
  for (const o of mine) {
    if (!o.tag || !(isTurn(o.kind) || o.kind === "system")) continue;
    const idx = index.get(o.tag);
    const notStarted =
      !o.ok && o.error instanceof ProviderError && /before the turn started/.test(o.error.message);
    const say = (what: string) => ctx.fail(`${where}: ${id} ${o.kind} op${o.op} ${what}`);
    if (notStarted && idx !== undefined) say("not started, yet its input is stored");
    if (cleared || notStarted) continue;
    if (o.ok) checkStored(say, o, msgs, idx);
    else if (o.error instanceof ProviderError) checkFailed(say, o, msgs, idx);
    else if (o.error instanceof ConcurrencyError) checkRefused(say, msgs, idx);
  }
  checkContext(ctx, where, rec, mine);
}

type Say = (what: string) => void;

/** A call that succeeded: its input and reply are stored, the reply as the caller got it. */
function checkStored(say: Say, o: Outcome, msgs: SessionMessage[], idx: number | undefined) {
  if (idx === undefined) say("succeeded but its input is not stored");
  if (!o.reply) return;
  const stored = msgs.find((m) => m.messageId === o.reply!.messageId);
  if (!stored) return say(`reply ${o.reply.messageId} not stored`);
  if (o.kind === "system") return;
  if (stored.content !== o.reply.content) say("reply differs from stored");
  const read = o.deltas?.join("");
  if ((o.kind === "streamFull" || o.kind === "streamSlow") && read !== o.reply.content)
    say(`stream deltas "${read}" != reply "${o.reply.content}"`);
  // Broken off: what is stored as aborted is what was read (more may follow in the background).
  if (o.kind === "streamBreak" && o.taken !== undefined && read !== undefined)
    if (o.reply.content !== read && o.reply.finishReason === "aborted")
      say(`broke off after "${read}" but stored "${o.reply.content}" (aborted)`);
}

/** Failed by the provider after it started: the input is kept, unanswered or partly answered. */
function checkFailed(say: Say, o: Outcome, msgs: SessionMessage[], idx: number | undefined) {
  if (idx === undefined) return say(`failed (${errText(o.error)}) and its input was not kept`);
  const next = msgs[idx + 1];
  const partialStored = next?.role === "assistant" && next.metadata.partial === true;
  if (!msgs[idx]!.metadata.unanswered && !partialStored)
    say("failed but input not marked unanswered");
}

/**
 * Refused because the session's provider was switched elsewhere meanwhile (the checker allows
 * that only where it can happen, see `conflictAllowed`): the input is kept, marked unanswered,
 * and nothing of the old provider's reply is stored.
 */
function checkRefused(say: Say, msgs: SessionMessage[], idx: number | undefined) {
  if (idx === undefined) return say("refused (provider switched elsewhere), input not kept");
  if (!msgs[idx]!.metadata.unanswered) say("refused (provider switched elsewhere), not unanswered");
  if (msgs[idx + 1]?.role === "assistant")
    say("refused (provider switched elsewhere), yet a reply follows its input");
}

/** Context keys set successfully are never lost (to a concurrent update, switch or turn). */
function checkContext(ctx: FuzzContext, where: string, rec: SessionRecord, mine: Outcome[]) {
  const id = rec.sessionId;
  const want = ctx.model.ctx.get(id) ?? new Set<string>();
  for (const o of mine) if (o.kind === "context" && o.ok && o.contextKey) want.add(o.contextKey);
  ctx.model.ctx.set(id, want);
  for (const k of want) if (!(k in rec.context)) ctx.fail(`${where}: ${id} lost context key ${k}`);
}
