import { ProviderError } from "./errors.js";
import {
  reportedUsage,
  ZERO_USAGE,
  type ProviderReply,
  type ProviderStreamEvent,
  type ProviderUsage,
  type SpentAttempt,
} from "./providers/types.js";
import { outgoing, stampNow } from "./input.js";
import { realignConversation } from "./provider-state.js";
import { runAnnounced } from "./internal/hooks.js";
import { holdToolResult, planToolResult } from "./tool-results.js";
import { isFlag, isTokenUsage, replyFault } from "./reply-checks.js";
import { checkEvent, warnStreamCleanup } from "./stream-events.js";
import { completeTurn, prepare } from "./turn.js";
import { toProviderError } from "./providers/provider-failure.js";
import { failTurn, needsRealign } from "./turn-failure.js";
import type { PreparedTurn } from "./turn.js";
import type { TurnState } from "./session-record.js";
import { acquireTurn, releaseTurn } from "./turn-lock.js";
import type { Runtime } from "./turn-lock.js";
import type { SessionMessage } from "./types.js";

/** How a streamed turn meets its `MessageStream` (see there). */
export interface StreamIO {
  /** Hands over the stored reply; called once the turn is released and its hooks have run. */
  settle(message: SessionMessage): void;
  /** Aborts when the reader breaks off. */
  stop: AbortSignal;
  /** How many of the yielded deltas the reader has taken. */
  taken(): number;
  /** Lets a turn that waits for its reader go on (its caller's signal was aborted). */
  resume(): void;
  /**
   * Lets the turn run to its end without waiting for its reader: another call waits for the
   * session (perhaps the reader's own loop, which would otherwise wait for itself).
   */
  runAhead(): void;
}

/**
 * Runs a streamed turn holding the session's turn lock: yields text deltas, stores the reply when
 * the stream ends and settles it. Whatever way the stream stops, the turn is stored:
 * - the reader breaks off (`io.stop`): what it read, `finishReason: "aborted"`, as the reply;
 *   if it read nothing, the input alone, marked unanswered, and `ProviderError`;
 * - the caller aborts `signal`: what arrived, `finishReason: "aborted"`, then `ProviderError`;
 * - the provider fails after some text: what arrived, `finishReason: "error"`, then `ProviderError`;
 * - the provider fails before any text: the input alone, marked unanswered, then `ProviderError`.
 */
export async function* streamTurn(
  rt: Runtime,
  state: TurnState,
  message: SessionMessage,
  signal: AbortSignal | undefined,
  io: StreamIO,
): AsyncGenerator<string> {
  rt.closing.enter(); // close() waits for this turn, hooks included
  try {
    yield* heldStream(rt, state, message, signal, io);
  } finally {
    rt.closing.leave();
  }
}

async function* heldStream(
  rt: Runtime,
  state: TurnState,
  message: SessionMessage,
  signal: AbortSignal | undefined,
  io: StreamIO,
): AsyncGenerator<string> {
  const held = await acquireTurn(rt, state, true, signal);
  stampNow(message);
  const controller = new AbortController();
  const onAbort = () => {
    controller.abort(signal?.reason);
    io.resume();
  };
  const onStop = () => controller.abort(STOPPED);
  // close() ends a stream in progress as the caller's abort would: what arrived is stored.
  const onClose = () => {
    controller.abort(new DOMException("the manager was closed", "AbortError"));
    io.resume();
  };
  const unlisten = rt.closing.listen(onClose);
  const unwatch = rt.mutex.watch(held.record.sessionId, io.runAhead);
  const deltas: string[] = [];
  let spent: ProviderUsage = ZERO_USAGE;
  // Whether the answering attempt reported its usage, output included: output (text, or the
  // `output` event's tool call or reasoning) without it cost an unknown amount (its input
  // tokens, if reported, are still counted).
  let reported = false;
  let began = false; // an `output` event: the attempt's output began, text or not
  const uncounted = () => (deltas.length > 0 || began) && !reported;
  // Whether a usage event (or a refused final reply) said the attempt's cost is unknown.
  let unknown = false;
  // A fallback chain's attempt that broke off: what it spent, and who serves what follows.
  const earlier: SpentAttempt[] = [];
  let served: Served | undefined;
  let outcome: "open" | "done" | "failed" = "open";
  let turn: PreparedTurn | undefined;
  let stored: SessionMessage | undefined;
  // What arrived so far (or its first `count` deltas), with what every attempt spent.
  // A final reply that is not stored (refused, or after an abort): its usage is the final count,
  // as sendMessage counts it; counts that cannot be read were billed an unknown amount.
  const countFinal = (reply: ProviderReply | undefined): void => {
    if (!isTokenUsage(reply?.usage)) {
      unknown = true;
      return;
    }
    spent = reply.usage;
    // A flag that cannot be read is no statement that the count is known.
    reported = reply.usageUnknown !== true && isFlag(reply.usageUnknown);
    unknown = !reported;
  };
  // An event that came after the abort: only what it says the attempt cost.
  const countLate = (event: ProviderStreamEvent | null | undefined): void => {
    if (event?.type === "done") countFinal(event.reply);
    else if (event?.type === "delta" || event?.type === "output") began = true;
    else if (event?.type === "usage") countUsage(event);
  };
  const countUsage = (event: Extract<ProviderStreamEvent, { type: "usage" }>): void => {
    // Counts (or flags) that cannot be read were billed all the same: an amount nobody knows.
    if (!isTokenUsage(event.usage) || !isFlag(event.usageUnknown) || !isFlag(event.outputPending)) {
      unknown = true;
      return;
    }
    spent = reportedUsage(event);
    reported = event.outputPending !== true;
    unknown = event.usageUnknown === true;
  };
  const arrived = (finishReason: string, count = deltas.length): ProviderReply => {
    const text = deltas.slice(0, count).join("");
    const reply = partial(text, finishReason, attempt(spent, served), earlier, served);
    if (uncounted() || unknown) reply.usageUnknown = true;
    return reply;
  };
  try {
    signal?.addEventListener("abort", onAbort, { once: true });
    io.stop.addEventListener("abort", onStop, { once: true });
    if (signal?.aborted) controller.abort(signal.reason);
    const input = await outgoing(rt, message, held.adapter.name, controller.signal);
    const send = await planToolResult(rt, held, input);
    if (send === "hold") {
      outcome = "done"; // a held tool result: stored, and no reply until its siblings arrive
      stored = await holdToolResult(rt, held, input);
      return;
    }
    turn = await prepare(rt, held, input, controller.signal, send);
    controller.signal.throwIfAborted();
    turn.asked = true;
    for await (const event of held.adapter.streamTurn(turn.providerInput)) {
      if (controller.signal.aborted) {
        // Even if the adapter does not watch the signal: what the event says was spent is
        // counted (a final count, output that began), though nothing more is stored.
        countLate(event);
        controller.signal.throwIfAborted();
      }
      if (event?.type === "usage") countUsage(event); // counted even if it is then refused
      checkEvent(held.adapter.name, event);
      if (event.type === "delta") {
        deltas.push(event.text);
        yield event.text;
      } else if (event.type === "output") {
        began = true;
      } else if (event.type === "fallback") {
        // The attempt that broke off (before any text: the chain moves on only then) cost what
        // it reported, or an unknown amount if its output began uncounted.
        const lost = unknown || uncounted();
        if (spent.inputTokens + spent.outputTokens > 0 || lost) {
          earlier.push(attempt(spent, served, lost));
        }
        spent = ZERO_USAGE;
        reported = false;
        unknown = false;
        began = false;
        served = { model: event.model, metadata: event.metadata };
      } else if (event.type === "done") {
        const fault = replyFault(held.adapter.name, event.reply);
        if (fault) {
          countFinal(event.reply); // the reply cannot be stored, but its tokens were spent
          throw fault;
        }
        outcome = "done";
        const reply = earlier.length ? { ...event.reply, earlier } : event.reply;
        stored = await completeTurn(rt, turn, reply);
        break; // anything an adapter sends after its final reply is not part of the turn
      }
    }
    if (outcome !== "done") {
      throw new ProviderError(held.adapter.name, "the stream ended without a final reply", {
        retryable: true,
      });
    }
  } catch (failure) {
    // Stored, then the adapter's iterator failed to close (`break` calls its `return()`): the
    // turn stands, and failing the reader would have a retrying caller send it twice.
    if (stored && outcome === "done") return warnStreamCleanup(held.adapter.name, failure);
    if (outcome === "done" || !turn) throw failure;
    if (controller.signal.reason === STOPPED) return; // the reader broke off: kept below
    outcome = "failed";
    const aborted = controller.signal.aborted;
    const error = await streamFailed(rt, turn, arrived(aborted ? "aborted" : "error"), failure);
    // Output began: the conversation kept an answer (a tool call, perhaps) the transcript has
    // only part of, or none of.
    if (deltas.length > 0 || began || needsRealign(turn, failure)) {
      await realignConversation(rt, held);
    }
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    io.stop.removeEventListener("abort", onStop);
    unlisten();
    unwatch();
    controller.abort();
    try {
      // Still open here only when the reader broke off: keep what it read.
      if (outcome === "open" && turn) {
        try {
          stored = await brokenOff(rt, turn, arrived("aborted", io.taken()));
        } finally {
          await realignConversation(rt, held);
        }
      }
    } finally {
      await releaseTurn(rt, held);
      await runAnnounced(rt.config.hooks, held);
      if (stored) io.settle(stored); // as sendMessage returns: released, hooks run
    }
  }
}

/** Why a turn's own controller aborts when its reader broke off (not the caller's signal). */
const STOPPED = new Error("the reader broke off the stream");

/** The reply of a turn whose reader broke off: what it read; if nothing, the input is kept. */
async function brokenOff(
  rt: Runtime,
  turn: PreparedTurn,
  read: ProviderReply,
): Promise<SessionMessage> {
  if (read.content) return completeTurn(rt, turn, read);
  const failure = new ProviderError(turn.held.adapter.name, "the reader broke off before any text");
  throw await failTurn(rt, turn, failure, read);
}

/** Stores what arrived of a failed stream (or only the input) and returns the error to throw. */
async function streamFailed(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  failure: unknown,
): Promise<unknown> {
  if (!reply.content) return failTurn(rt, turn, failure, reply);
  await completeTurn(rt, turn, reply);
  return toProviderError(turn.held.adapter.name, failure);
}

/** A partial reply: the text that arrived and what was spent on it (see `arrived`). */
function partial(
  text: string,
  finishReason: string,
  spent: SpentAttempt,
  earlier: readonly SpentAttempt[],
  served: Served | undefined,
): ProviderReply {
  const reply: ProviderReply = {
    content: text,
    usage: { ...spent.usage },
    finishReason,
    metadata: { ...served?.metadata, partial: true },
  };
  if (spent.model) reply.model = spent.model;
  if (earlier.length) reply.earlier = earlier;
  return reply;
}

/** A fallback that serves the rest of the turn: its model and the metadata its reply carries. */
interface Served {
  model: string;
  metadata: Record<string, unknown>;
}

function attempt(usage: ProviderUsage, served: Served | undefined, unknown = false): SpentAttempt {
  const spent: SpentAttempt = served ? { usage, model: served.model } : { usage };
  if (unknown) spent.usageUnknown = true;
  return spent;
}
