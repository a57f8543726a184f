/**
 * Invariants of one session's stored record and transcript, whatever ran on it: counters sane,
 * ids never reused, times in order, every input stored once, every reply answering its input.
 */
import type { SessionMessage, SessionRecord } from "../../src/index.js";
import type { FuzzContext } from "./context.js";

const COUNTERS = [
  "messageCount",
  "inputTokens",
  "outputTokens",
  "cachedTokens",
  "cacheCreationTokens",
  "unpricedTurns",
  "costUsd",
] as const;

export function checkTranscript(
  ctx: FuzzContext,
  where: string,
  rec: SessionRecord,
  msgs: SessionMessage[],
): void {
  const id = rec.sessionId;
  tally(ctx, msgs);
  if (rec.messageCount !== msgs.length)
    ctx.fail(`${where}: ${id} messageCount ${rec.messageCount} != ${msgs.length} stored`);
  for (const k of COUNTERS) {
    const v = rec[k] as number;
    if (typeof v !== "number" || v < 0 || !Number.isFinite(v))
      ctx.fail(`${where}: ${id} counter ${k} = ${v}`);
  }
  const inputs = new Set<string>();
  const writers = writtenThrough(ctx, msgs);
  const lastOf = new Map<number | undefined, SessionMessage>();
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    checkIdentity(ctx, where, id, m, msgs[i - 1]);
    checkTime(ctx, where, m, lastOf.get(writers[i]));
    lastOf.set(writers[i], m);
    if (m.role === "user" || m.role === "system") {
      if (inputs.has(m.content)) ctx.fail(`${where}: ${id} input "${m.content}" stored twice`);
      inputs.add(m.content);
    }
    if (m.role === "assistant") checkReply(ctx, where, msgs, i);
    if (m.role === "user") checkInput(ctx, where, m, msgs[i + 1]);
  }
}

/** What the run saw, so that a test can tell the fuzz reached the states it means to. */
function tally(ctx: FuzzContext, msgs: SessionMessage[]): void {
  const add = (key: string, n: number) => (ctx.counts[key] = (ctx.counts[key] ?? 0) + n);
  add("checkedMsgs", msgs.length);
  add("checkedAssistant", msgs.filter((m) => m.role === "assistant").length);
  add("checkedPartial", msgs.filter((m) => m.metadata.partial).length);
  add("checkedUnanswered", msgs.filter((m) => m.metadata.unanswered).length);
  add("checkedAfter", msgs.filter((m) => / \[after \d+\]$/.test(m.content)).length);
}

/** Ids are unique for ever (across sessions too). */
function checkIdentity(
  ctx: FuzzContext,
  where: string,
  id: string,
  m: SessionMessage,
  p: SessionMessage | undefined,
): void {
  const prior = ctx.model.seenIds.get(m.messageId);
  const sig = `${id}|${m.role}|${m.content}`;
  if (prior !== undefined && prior !== sig)
    ctx.fail(`${where}: message id ${m.messageId} reused (${prior} vs ${sig})`);
  ctx.model.seenIds.set(m.messageId, sig);
  if (m.sessionId !== id) ctx.fail(`${where}: ${m.messageId} has sessionId ${m.sessionId}`);
  if (p && m.messageId === p.messageId) ctx.fail(`${where}: duplicate id ${m.messageId} in ${id}`);
}

/**
 * The storage object (process) each message was written through: an input's from the op number
 * in its tag, a reply's from the input it follows.
 */
function writtenThrough(ctx: FuzzContext, msgs: SessionMessage[]): (number | undefined)[] {
  const stores: (number | undefined)[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const op = /^op(\d+)-/.exec(m.content)?.[1];
    if (m.role === "assistant") stores.push(stores[i - 1]);
    else stores.push(op === undefined ? undefined : ctx.model.storeOfOp.get(Number(op)));
  }
  return stores;
}

/**
 * Times follow the transcript among the messages one process wrote. Across processes they need
 * not: turns of a stateless provider take no lease, so another process's turn, stamped later,
 * can be stored first (turns that take the lease are stamped once they hold it).
 */
function checkTime(ctx: FuzzContext, where: string, m: SessionMessage, p?: SessionMessage): void {
  if (p && m.timestamp.getTime() < p.timestamp.getTime())
    ctx.fail(
      `${where}: ${m.sessionId} order: ${describe(m)} at ${m.timestamp.toISOString()} before ` +
        `${describe(p)} at ${p.timestamp.toISOString()}`,
    );
}

const describe = (m: SessionMessage): string => `${m.role} "${m.content.slice(0, 30)}"`;

/**
 * A reply follows the input it answers, which is then not marked unanswered. The mocks echo the
 * input ("Echo: <input>"); the history-aware one adds " [after N]", N the messages it was given,
 * which must be all those before the input. A partial reply is a prefix of the echo.
 */
function checkReply(ctx: FuzzContext, where: string, msgs: SessionMessage[], i: number): void {
  const m = msgs[i]!;
  const p = msgs[i - 1];
  const id = m.sessionId;
  if (!p || p.role !== "user") {
    ctx.fail(`${where}: ${id} assistant #${i} not after a user message (after ${p?.role})`);
    return;
  }
  if (p.metadata.unanswered)
    ctx.fail(`${where}: ${id} user "${p.content}" marked unanswered but answered`);
  const expect = "Echo: " + p.content;
  if (m.metadata.partial === true) {
    if (!(expect.startsWith(m.content) || m.content.startsWith(expect)))
      ctx.fail(`${where}: ${id} partial reply "${m.content}" not a prefix of "${expect}…"`);
    return;
  }
  const match = /^Echo: (.*?)(?: \[after (\d+)\])?$/.exec(m.content);
  if (!match || match[1] !== p.content)
    ctx.fail(`${where}: ${id} reply "${m.content}" does not answer "${p.content}"`);
  else if (match[2] !== undefined && Number(match[2]) !== i - 1)
    ctx.fail(
      `${where}: ${id} reply "${m.content}" saw ${match[2]} messages, but ${i - 1} precede its input`,
    );
}

/** An input without a reply after it is marked so; metadata given with it is stored as given. */
function checkInput(
  ctx: FuzzContext,
  where: string,
  m: SessionMessage,
  next: SessionMessage | undefined,
): void {
  const id = m.sessionId;
  if (/-sendMeta$/.test(m.content)) {
    const md = m.metadata as { op?: unknown; nested?: { t?: unknown } };
    if (`op${md.op}-sendMeta` !== m.content || md.nested?.t !== m.content)
      ctx.fail(
        `${where}: ${id} metadata of "${m.content}" stored as ${JSON.stringify(m.metadata)}`,
      );
  }
  if (next?.role !== "assistant" && !m.metadata.unanswered)
    ctx.fail(`${where}: ${id} user "${m.content}" unanswered but not marked`);
}
