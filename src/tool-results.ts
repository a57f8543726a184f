import { ValidationError } from "./errors.js";
import { noCost } from "./turn-cost.js";
import { announce } from "./internal/hooks.js";
import { providerInfo } from "./session-record.js";
import { appendInTurn, type HeldTurn, type Runtime } from "./turn-lock.js";
import type { ProviderTurnInput } from "./providers/types.js";
import type { SessionMessage } from "./types.js";

// How far back a result's tool-call message is looked for: parallel calls are answered within a
// few messages of the call, and the read must stay small.
const REACH = 100;

/**
 * What to do with a tool result: hold it until its siblings arrive, or send it with theirs.
 * `orphan`: no message in the transcript asked for the call (it was cleared).
 */
export type ToolResultPlan =
  { hold: true } | { hold: false; earlier: SessionMessage[]; orphan: boolean };

/** What a turn sends for a tool result that is not held (see `prepare`). */
export interface ToolSend {
  sent: SessionMessage[];
  /** Held results sent with this one: stored already, so left out of client-side history. */
  earlier: readonly SessionMessage[];
  /** The whole stored transcript, when the plan read it: client-side history reuses it. */
  transcript?: SessionMessage[];
}

const SEND_ALONE: ToolResultPlan = { hold: false, earlier: [], orphan: false };
const ORPHAN: ToolResultPlan = { hold: false, earlier: [], orphan: true };

/**
 * A tool result goes to the model only together with every result of its tool-call message: the
 * APIs refuse a request in which a call of that message has no result (OpenAI: "No tool output
 * found for function call"). So while other calls of the message are unanswered the result is
 * stored and held; the last one is sent with the held ones (which client-side history adapters
 * read from the transcript anyway). A result whose call is out of reach is sent as it is (in
 * native state, as text), and one whose call is in no stored message (cleared) is sent without
 * its call id: as text, since the API refuses a result for a call it does not have.
 */
export async function planToolResult(
  rt: Runtime,
  held: HeldTurn,
  input: SessionMessage,
): Promise<"hold" | ToolSend | undefined> {
  if (input.role !== "tool" || !input.toolCallId) return undefined;
  // Client-side history needs the whole transcript anyway: it is read once, for both.
  const mode = held.adapter.historyMode(providerInfo(held.record));
  const whole = mode === "client";
  const recent = await recentMessages(rt, held, whole);
  const plan = planFrom(
    recent,
    input.toolCallId,
    whole || recent.length < REACH,
    mode === "native",
  );
  if (plan.hold) return "hold";
  return {
    sent: resultsToSend(plan, input),
    earlier: plan.earlier,
    transcript: whole ? recent : undefined,
  };
}

/**
 * `whole`: `recent` is the whole transcript, so a call not in it was never made or was cleared.
 * `native`: the provider's conversation holds the calls; once a reply or a user message came
 * after the call, it went on without it (see `openToolCalls`), so a late result is text.
 */
export function planFrom(
  recent: readonly SessionMessage[],
  callId: string,
  whole = false,
  native = false,
): ToolResultPlan {
  let at = recent.length - 1;
  while (at >= 0 && !asks(recent[at]!, callId)) at--;
  // Out of reach in native state: long answered, as a result's call is at once (see below).
  if (at < 0) return whole || native ? ORPHAN : SEND_ALONE;
  // A result sent in a turn that failed is in the conversation once it was realigned from the
  // transcript (see `needsRealign`): sent again, it is text, as after any reply.
  const movedOn = (m: SessionMessage) =>
    m.role === "assistant" ||
    m.role === "user" ||
    (m.toolCallId === callId && m.metadata.unanswered === true);
  if (native && recent.slice(at + 1).some(movedOn)) return ORPHAN;
  const calls = recent[at]!.toolCalls!.map((c) => c.id);
  const results = firstResults(recent, at, callId);
  const waiting = calls.some((id) => id !== callId && !results.has(id));
  return waiting ? { hold: true } : { hold: false, earlier: [...results.values()], orphan: false };
}

/** What the provider gets for a result that is not held: the held ones first (see above). */
function resultsToSend(
  plan: Extract<ToolResultPlan, { hold: false }>,
  input: SessionMessage,
): SessionMessage[] {
  if (!plan.orphan) return [...plan.earlier, input];
  const text = { ...input };
  delete text.toolCallId;
  return [text];
}

/**
 * The calls of the model's last reply that have no result yet. Calls the conversation went on
 * without are not open: those of an older reply, and those a user message came after (client-side
 * history leaves them out, native state answered them with no result, see `closeOpenCalls`; a
 * turn that failed after doing so realigns its conversation, so it holds them no more either).
 */
export function openToolCalls(messages: readonly SessionMessage[]): string[] {
  const at = lastReply(messages);
  if (at < 0 || !messages[at]!.toolCalls?.length) return [];
  const after = messages.slice(at + 1);
  if (after.some((m) => m.role === "user")) return [];
  const answered = new Set(after.map((m) => m.toolCallId));
  return messages[at]!.toolCalls!.map((c) => c.id).filter((id) => !answered.has(id));
}

function lastReply(messages: readonly SessionMessage[]): number {
  let at = messages.length - 1;
  while (at >= 0 && messages[at]!.role !== "assistant") at--;
  return at;
}

/**
 * A conversation holding calls without outputs refuses every request ("No tool output found for
 * function call"). So a native turn that answers none of the model's last calls (the user wrote
 * instead) sends their held results first and names the rest in `openToolCalls`, for the adapter
 * to answer with "no result": the turn goes on without them, as client-side history does.
 */
export async function closeOpenCalls(
  rt: Runtime,
  held: HeldTurn,
  sent: SessionMessage[],
): Promise<Pick<ProviderTurnInput, "input" | "openToolCalls">> {
  if (sent.some((m) => m.role === "tool" && m.toolCallId)) return { input: sent };
  // Usually the last message is a reply without calls: one row tells, not a hundred.
  const [last] = await rt.storage.getMessages(held.record.sessionId, { limit: 1 });
  if (!last || (last.role === "assistant" && !last.toolCalls?.length)) return { input: sent };
  const recent = await recentMessages(rt, held, false);
  const open = openToolCalls(recent);
  if (open.length === 0) return { input: sent };
  // Held: no reply came since, so none was sent.
  const results = firstResults(recent, lastReply(recent));
  return { input: [...results.values(), ...sent], openToolCalls: open };
}

/**
 * The first stored result of each call of the tool-call message at `at` (a later one repeats
 * it), but `except`'s, by call id.
 */
function firstResults(
  messages: readonly SessionMessage[],
  at: number,
  except?: string,
): Map<string, SessionMessage> {
  const calls = new Set(messages[at]!.toolCalls!.map((c) => c.id));
  const results = new Map<string, SessionMessage>();
  for (const m of messages.slice(at + 1)) {
    const id = m.role === "tool" ? m.toolCallId : undefined;
    if (id && id !== except && calls.has(id) && !results.has(id)) results.set(id, m);
  }
  return results;
}

function recentMessages(rt: Runtime, held: HeldTurn, whole: boolean): Promise<SessionMessage[]> {
  return rt.storage.getMessages(held.record.sessionId, whole ? {} : { limit: REACH });
}

function asks(m: SessionMessage, callId: string): boolean {
  return m.role === "assistant" && !!m.toolCalls?.some((c) => c.id === callId);
}

/** Stores a held result (no tokens spent) and returns it: there is no reply yet. */
export async function holdToolResult(
  rt: Runtime,
  held: HeldTurn,
  input: SessionMessage,
): Promise<SessionMessage> {
  // Held because its siblings looked unanswered: if the lease was lost, another process may
  // have held or sent them since, so the caller must send it again rather than strand it.
  await appendInTurn(rt, held, [input], noCost(input.timestamp, held.record), "fail");
  announce(rt.config.hooks, held, "onMessageSent", input);
  return input;
}

/**
 * A conversation kept by the provider refuses tool calls without their results, and results
 * whose calls it does not hold: moving a session with unanswered calls there would strand them.
 */
export function refuseOpenCalls(provider: string, history: readonly SessionMessage[]): void {
  const open = openToolCalls(history);
  if (open.length === 0) return;
  throw new ValidationError(
    "provider",
    `${provider} keeps the conversation itself; answer the open tool calls first (${open.join(", ")})`,
  );
}
