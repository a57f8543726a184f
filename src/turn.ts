import { ConcurrencyError, SessionError, StorageError } from "./errors.js";
import { windowed } from "./history-window.js";
import { newMessageId } from "./ids.js";
import { announce } from "./internal/hooks.js";
import { applyMiddleware } from "./internal/middleware.js";
import { realignConversation } from "./provider-state.js";
import type { ProviderReply, ProviderTurnInput } from "./providers/types.js";
import { replyFault } from "./reply-checks.js";
import { isSyncTurnStorage } from "./storage/types.js";
import { closeOpenCalls, holdToolResult, planToolResult, type ToolSend } from "./tool-results.js";
import { spentOf, turnCounters, type Spent } from "./turn-cost.js";
import { failureText, scrubbedCause } from "./providers/provider-failure.js";
import { failTurn, keepInput, needsRealign } from "./turn-failure.js";
import { providerInfo } from "./session-record.js";
import { appendInTurn, isPromise, isThenable, type HeldTurn, type Runtime } from "./turn-lock.js";
import { repairedText } from "./validate.js";
import type { SessionMessage } from "./types.js";

/** A turn that is ready to run: the held turn (record, adapter), and the new input. */
export interface PreparedTurn {
  /** The turn it runs under: the session as it is, its adapter, and its hooks (see `announce`). */
  held: HeldTurn;
  /** The message this turn stores. */
  input: SessionMessage;
  /** What the provider gets: the input, after held tool results for native state. */
  providerInput: ProviderTurnInput;
  /** Set once the provider is asked: an abort before then left its conversation as it was. */
  asked: boolean;
}

/**
 * Builds the provider input: the stored transcript only when the adapter keeps history
 * client-side; for native state, what closes calls its conversation holds open (see
 * `closeOpenCalls`). Otherwise there is nothing to wait for. `earlier` are held tool results
 * (see `planToolResult`): stored, but not yet sent, so they go with this turn's input and not
 * in the history, whatever the adapter (a fallback chain may mix both kinds).
 */
export function prepare(
  rt: Runtime,
  held: HeldTurn,
  input: SessionMessage,
  signal?: AbortSignal,
  send?: ToolSend,
): PreparedTurn | Promise<PreparedTurn> {
  const session = providerInfo(held.record);
  const sent = send?.sent ?? [input];
  const mode = held.adapter.historyMode(session);
  if (mode === "native") {
    const withClosed = (sends: Pick<ProviderTurnInput, "input" | "openToolCalls">) => ({
      held,
      input,
      providerInput: { session, history: [], signal, ...sends },
      asked: false,
    });
    return closeOpenCalls(rt, held, sent).then(withClosed);
  }
  if (mode !== "client") {
    const providerInput = { session, history: [], input: sent, signal };
    return { held, input, providerInput, asked: false };
  }
  const withHistory = (stored: SessionMessage[]): PreparedTurn => ({
    held,
    input,
    providerInput: {
      session,
      history: windowed(withoutHeld(stored, send?.earlier), session.providerConfig, sent),
      input: sent,
      signal,
    },
    asked: false,
  });
  if (send?.transcript) return withHistory(send.transcript);
  // A storage of your own may return another kind of promise: this one is the library's.
  return Promise.resolve(rt.storage.getMessages(held.record.sessionId)).then(withHistory);
}

function withoutHeld(stored: SessionMessage[], held: readonly SessionMessage[] = []) {
  if (!held.length) return stored;
  const ids = new Set(held.map((m) => m.messageId));
  return stored.filter((m) => !ids.has(m.messageId));
}

/**
 * Runs a held turn: prepares it, asks the provider, stores the reply (or keeps the input
 * unanswered and throws). Each step that can finish at once does, so a turn on the memory store
 * with the mock never leaves the call stack; anything pending is chained.
 */
export function runTurn(
  rt: Runtime,
  held: HeldTurn,
  input: SessionMessage,
  signal?: AbortSignal,
): SessionMessage | Promise<SessionMessage> {
  if (input.role === "tool") return runToolResult(rt, held, input, signal);
  const prepared = prepare(rt, held, input, signal);
  return isPromise(prepared) ? prepared.then((t) => askAndStore(rt, t)) : askAndStore(rt, prepared);
}

/** A tool result: held while its siblings are unanswered, else sent with them. */
async function runToolResult(
  rt: Runtime,
  held: HeldTurn,
  input: SessionMessage,
  signal?: AbortSignal,
): Promise<SessionMessage> {
  const send = await planToolResult(rt, held, input);
  if (send === "hold") return holdToolResult(rt, held, input);
  return askAndStore(rt, await prepare(rt, held, input, signal, send));
}

function askAndStore(rt: Runtime, turn: PreparedTurn): SessionMessage | Promise<SessionMessage> {
  let sent: ProviderReply | PromiseLike<ProviderReply>;
  const { signal } = turn.providerInput;
  // Aborted while it was prepared (a middleware, the history read): the provider is not asked.
  if (signal?.aborted) return rejectTurn(rt, turn, signal.reason);
  turn.asked = true;
  try {
    sent = turn.held.adapter.sendTurn(turn.providerInput);
  } catch (failure) {
    return rejectTurn(rt, turn, failure);
  }
  if (!isThenable(sent)) return acceptReply(rt, turn, sent);
  return Promise.resolve(sent).then(
    (reply) => acceptReply(rt, turn, reply),
    (failure: unknown) => rejectTurn(rt, turn, failure),
  );
}

/**
 * A reply without text is the provider's failure, not the storage's: the input is kept. A turn
 * aborted while the provider answered ends as aborted (as a stream does), if the adapter did not
 * watch the signal: the caller was told it stopped.
 */
function acceptReply(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
): SessionMessage | Promise<SessionMessage> {
  const { signal } = turn.providerInput;
  if (signal?.aborted) return rejectTurn(rt, turn, signal.reason, spentOf(reply));
  const fault = replyFault(turn.held.adapter.name, reply);
  if (!fault) return completeTurn(rt, turn, reply);
  return rejectTurn(rt, turn, fault, spentOf(reply));
}

async function rejectTurn(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
  spent?: Spent,
): Promise<never> {
  const error = await failTurn(rt, turn, failure, spent);
  if (needsRealign(turn, failure)) await realignConversation(rt, turn.held);
  throw error;
}

/**
 * Stores a completed turn (input and reply) with its counters in one transaction, then runs
 * hooks; synchronously when the storage can and no middleware or hook needs awaiting.
 */
export function completeTurn(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
): SessionMessage | Promise<SessionMessage> {
  const { record } = turn.held;
  const message = toMessage(record.sessionId, reply);
  const { storage, config } = rt;
  // The synchronous append skips the storage's field checks: the reply passed `replyFault`.
  const plain = !config.middleware.length && !config.hooks && !turn.held.releaseLease;
  if (!plain || !isSyncTurnStorage(storage)) return storeAndAnnounce(rt, turn, reply, message);
  let appended: unknown;
  try {
    appended = storage.appendTurnSync(
      record.sessionId,
      batch(turn, message),
      replyCounters(rt, turn, reply, message.timestamp),
    );
  } catch (error) {
    return notStored(rt, turn, reply, error);
  }
  // A wrapper that makes every method async (a Proxy) returns a promise: stored once it settles.
  if (appended !== undefined) return appendedLater(rt, turn, reply, message, appended);
  record.status = "active"; // as the append made it
  return message;
}

async function appendedLater(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  message: SessionMessage,
  appended: unknown,
): Promise<SessionMessage> {
  try {
    await appended;
  } catch (error) {
    return notStored(rt, turn, reply, error);
  }
  turn.held.record.status = "active";
  return message;
}

async function storeAndAnnounce(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  stored: SessionMessage,
): Promise<SessionMessage> {
  const message = rt.config.middleware.length ? await incoming(rt, turn, reply, stored) : stored;
  const counters = replyCounters(rt, turn, reply, message.timestamp);
  try {
    // A reply is stored only while the turn's lease is still this manager's: another process
    // that took it over may have run a turn this reply never saw.
    await appendInTurn(rt, turn.held, batch(turn, message), counters, "fail");
  } catch (error) {
    return notStored(rt, turn, reply, error);
  }
  announce(rt.config.hooks, turn.held, "onMessageSent", turn.input);
  announce(rt.config.hooks, turn.held, "onReplyReceived", message);
  return message;
}

/**
 * A reply the storage did not take: the lease was lost, or the storage failed (the append rolled
 * back). The input is kept unanswered with what the reply cost, as for any failure after the
 * provider answered; after a storage failure a native conversation, which holds the reply the
 * transcript lacks, starts afresh from the transcript.
 */
async function notStored(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  error: unknown,
): Promise<never> {
  // A storage of your own may throw what its driver throws: a storage failure all the same.
  const failure = error instanceof SessionError ? error : storageFailure(rt, error);
  if (!(failure instanceof ConcurrencyError || failure instanceof StorageError)) throw failure;
  // Changed elsewhere (its lease taken over, its provider switched): read again before the next.
  if (failure instanceof ConcurrencyError) rt.versions.bump(turn.held.record.sessionId);
  // If keeping the input fails too, the first error says what happened to the turn (after a
  // lost COMMIT that did happen, the input is refused as already stored).
  await keepInput(rt, turn, failure, reply);
  // After a lost lease the conversation is the new holder's to change, mid-turn perhaps.
  if (failure instanceof StorageError) await realignConversation(rt, turn.held);
  throw failure;
}

/**
 * A custom storage's own error as a `StorageError`. Only a scrubbed copy is kept as the cause:
 * a driver's error quotes its connection URL, password included, and carries its options.
 */
function storageFailure(rt: Runtime, error: unknown): StorageError {
  return new StorageError(rt.storage.name, failureText(error), { cause: scrubbedCause(error) });
}

/**
 * A reply's counters, fenced on the provider and model that answered: a turn without a lease does
 * not read the session again, and another process may have moved it meanwhile (`ranOn`).
 */
function replyCounters(rt: Runtime, turn: PreparedTurn, reply: ProviderReply, at: Date) {
  // The record is its provider and model, without a copy on every turn.
  return turnCounters(rt, turn.held, reply, at, turn.held.record);
}

function batch(turn: PreparedTurn, reply: SessionMessage): SessionMessage[] {
  return [turn.input, reply];
}

/** The reply through the incoming middleware; if that fails, the input is kept unanswered. */
async function incoming(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  message: SessionMessage,
): Promise<SessionMessage> {
  try {
    return await applyMiddleware(rt, "incoming", message);
  } catch (failure) {
    // The reply cannot be stored, but its tokens were spent: keep the input and count them.
    throw await keepInput(rt, turn, failure, reply);
  }
}

function toMessage(sessionId: string, reply: ProviderReply): SessionMessage {
  const timestamp = new Date();
  const repaired = repairedText(reply.content);
  const message: SessionMessage = {
    messageId: newMessageId(timestamp.getTime()),
    sessionId,
    role: "assistant",
    content: repaired ?? reply.content,
    timestamp,
    metadata: repaired === null ? { ...reply.metadata } : { ...reply.metadata, textRepaired: true },
    tokenCount: reply.usage.outputTokens,
  };
  if (reply.finishReason !== undefined) message.finishReason = reply.finishReason;
  if (reply.providerMessageId !== undefined) message.providerMessageId = reply.providerMessageId;
  if (reply.toolCalls?.length) message.toolCalls = reply.toolCalls;
  return message;
}
