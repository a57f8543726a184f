/**
 * A turn that got no reply: its input is kept, marked `unanswered` with the failure, and the
 * error to throw is made; and whether a native conversation must start afresh after it.
 */
import { ProviderError, SessionError, StorageError } from "./errors.js";
import { announce } from "./internal/hooks.js";
import {
  failureText,
  scrubbedCause,
  spentBy,
  toProviderError,
} from "./providers/provider-failure.js";
import { primaryOf, takePrimaryFailure } from "./providers/fallback.js";
import { ZERO_USAGE } from "./providers/types.js";
import { NOTHING_SPENT, turnCounters, type Spent } from "./turn-cost.js";
import { appendInTurn, type Runtime } from "./turn-lock.js";
import type { PreparedTurn } from "./turn.js";
import type { SessionMessage } from "./types.js";

/**
 * Whether the provider's conversation and the transcript may now differ (see
 * `realignConversation`): the turn answered open calls with no result (the outputs may have been
 * kept), it was cut off from a provider that may have answered it regardless (its signal aborted,
 * whatever the reason, or the client gave up), the provider says so, or it sent tool results:
 * those are stored (unanswered), and whether the conversation kept them cannot be told; without
 * them it would refuse every later turn over the calls.
 */
export function needsRealign(turn: PreparedTurn, failure: unknown): boolean {
  const { openToolCalls, input } = turn.providerInput;
  return (
    !!openToolCalls?.length ||
    input.some((m) => m.role === "tool" && m.toolCallId !== undefined) ||
    // Cut off once asked (whatever the abort's reason): the provider may have answered regardless.
    // A fallback chain's error is its last attempt's: the primary's own failure tells too.
    (turn.asked === true &&
      (turn.providerInput.signal?.aborted === true ||
        cutOff(failure) ||
        (primaryOf(turn.held.adapter) !== turn.held.adapter &&
          cutOff(takePrimaryFailure(failure))))) ||
    stateAhead(failure)
  );
}

/** Whether a failure cut the turn off from a provider that may have answered it regardless. */
function cutOff(failure: unknown): boolean {
  for (let e = failure; e instanceof Error; e = e.cause) {
    if (CUT_OFF.has(e.name) || CUT_OFF.has(e.constructor.name)) return true;
  }
  return false;
}

const CUT_OFF = new Set(["AbortError", "APIUserAbortError", "APIConnectionTimeoutError"]);

/**
 * OpenAI's refusal of a conversation that holds calls without outputs: it holds a turn the
 * transcript lacks (answered but not stored: a crash, a storage failure, a timed-out attempt the
 * SDK then retried), and would refuse every turn until it is realigned.
 */
function stateAhead(failure: unknown): boolean {
  return (
    failure instanceof ProviderError &&
    failure.status === 400 &&
    failure.message.includes("No tool output found")
  );
}

/**
 * Keeps the input of a turn that got no reply (see `storeUnanswered`) and returns the error to
 * throw. Unless the caller says what the turn spent (a stream counts its usage events; if it
 * reported none), it is what the failure says the API billed (see `ProviderError.spent`).
 */
export async function failTurn(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
  spent?: Spent,
): Promise<SessionError> {
  // A stream that reported no usage may still have failed with what it billed.
  const counted = spent && (spends(spent) || !spentBy(failure).length) ? spent : spentIn(failure);
  return keepInput(rt, turn, toProviderError(turn.held.adapter.name, failure), counted);
}

function spends(spent: Spent): boolean {
  const { inputTokens, outputTokens } = spent.usage;
  return inputTokens + outputTokens > 0 || !!spent.earlier?.length;
}

/**
 * What a failure billed: each attempt at its own model's price, as a fallback's are; one whose
 * counts cannot be read is unpriced (see `spentBy`), so the input is still kept.
 */
function spentIn(failure: unknown): Spent {
  const attempts = spentBy(failure);
  return attempts.length ? { usage: ZERO_USAGE, earlier: attempts } : NOTHING_SPENT;
}

/** Keeps the input unanswered (see `storeUnanswered`); returns the error the turn throws. */
export async function keepInput<E>(
  rt: Runtime,
  turn: PreparedTurn,
  error: E,
  spent: Spent,
): Promise<E | SessionError> {
  const stored = await storeUnanswered(rt, turn, error, spent);
  if (stored instanceof SessionError) return stored;
  announce(rt.config.hooks, turn.held, "onMessageSent", stored);
  return error;
}

/**
 * Stores the input of a turn that got no reply, marked `unanswered` with the failure, and the
 * tokens it spent. Returns the message as stored, or the `StorageError` if even the input could
 * not be kept.
 */
async function storeUnanswered(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
  spent: Spent,
): Promise<SessionMessage | SessionError> {
  const { input } = turn;
  const marked = {
    ...input,
    metadata: { ...input.metadata, unanswered: true, error: describe(failure) },
  };
  try {
    await appendInTurn(
      rt,
      turn.held,
      [marked],
      turnCounters(rt, turn.held, spent, new Date()),
      "retake",
    );
    return marked;
  } catch (storageError) {
    return storageError instanceof SessionError
      ? storageError
      : new StorageError(rt.storage.name, failureText(storageError), {
          cause: scrubbedCause(failure),
        });
  }
}

/** What is kept of a failure in the unanswered message's metadata (already scrubbed). */
function describe(failure: unknown): Record<string, unknown> {
  if (failure instanceof ProviderError) {
    const { code, provider, status, message } = failure;
    return { code, provider, status, message };
  }
  if (failure instanceof SessionError) return { code: failure.code, message: failure.message };
  return {
    code: "MIDDLEWARE_FAILED",
    message: failureText(failure), // scrubbed already
  };
}
