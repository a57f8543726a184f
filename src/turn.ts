import type { ManagerConfig } from "./config.js";
import { ProviderError, SessionError, StorageError } from "./errors.js";
import { newMessageId } from "./ids.js";
import { takeLease } from "./internal/lease.js";
import { callHook } from "./internal/hooks.js";
import { applyMiddleware } from "./internal/middleware.js";
import type { KeyedMutex } from "./internal/mutex.js";
import { redact } from "./internal/redact.js";
import type { RecordVersions } from "./internal/versions.js";
import { turnCost } from "./pricing.js";
import { ZERO_USAGE } from "./providers/types.js";
import type {
  ProviderAdapter,
  ProviderReply,
  ProviderSessionInfo,
  ProviderTurnInput,
} from "./providers/types.js";
import { notFound } from "./storage/record.js";
import { isSyncTurnStorage, isTurnLeaseStorage } from "./storage/types.js";
import type { SessionStorage, TurnCounters } from "./storage/types.js";
import type { SessionMessage, SessionRecord, TokenUsage } from "./types.js";

/** What sessions share with their manager. */
export interface Runtime {
  readonly storage: SessionStorage;
  readonly config: ManagerConfig;
  readonly mutex: KeyedMutex;
  /** This manager's lease holder id. */
  readonly holder: string;
  readonly versions: RecordVersions;
  adapter(provider: string): Promise<ProviderAdapter>;
  /** The provider's adapter if it is already built, without waiting. */
  adapterNow(provider: string): ProviderAdapter | undefined;
}

/** A turn that is ready to run: the session as it is, the adapter, and the new input. */
export interface PreparedTurn {
  record: SessionRecord;
  adapter: ProviderAdapter;
  providerInput: ProviderTurnInput;
}

export function providerInfo(r: SessionRecord): ProviderSessionInfo {
  return {
    sessionId: r.sessionId,
    userId: r.userId,
    model: r.model,
    providerSessionId: r.providerSessionId,
    providerConfig: r.providerConfig,
    metadata: r.metadata,
  };
}

/** A held turn: the session as re-read under the lock, its adapter, and the lease if one was taken. */
export interface HeldTurn {
  record: SessionRecord;
  adapter: ProviderAdapter;
  releaseLease: (() => Promise<void>) | null;
}

/** A `Session`'s view of its record: as last read, and the manager's change count then. */
export interface TurnState {
  record: SessionRecord;
  version: number;
}

/**
 * Takes the session's turn: the in-process mutex always, and the storage's cross-process lease
 * when the provider's replies depend on earlier turns. Under the mutex the record is re-read if
 * another `Session` object of this manager changed it, and under a lease always (another process
 * may have); `state` is brought up to date either way. Release with `releaseTurn`.
 *
 * The usual turn (lock free, record current, adapter built, no lease) is held synchronously:
 * an in-memory turn is a few microseconds, and each promise hop would be a sizeable part of it.
 */
export function acquireTurn(rt: Runtime, state: TurnState): HeldTurn | Promise<HeldTurn> {
  const sessionId = state.record.sessionId;
  if (!rt.mutex.tryAcquire(sessionId)) {
    return rt.mutex.acquire(sessionId).then(() => settleTurn(rt, state));
  }
  return heldAsIs(rt, state) ?? settleTurn(rt, state);
}

/** The turn on the record as it is, when nothing needs reading or waiting for; else null. */
function heldAsIs(rt: Runtime, state: TurnState): HeldTurn | null {
  const { record } = state;
  if (rt.versions.of(record.sessionId) !== state.version) return null;
  const adapter = rt.adapterNow(record.provider);
  if (!adapter || (isTurnLeaseStorage(rt.storage) && keepsState(record, adapter))) return null;
  return { record, adapter, releaseLease: null };
}

/** Whether the provider's replies depend on earlier turns (so turns need the lease). */
function keepsState(record: SessionRecord, adapter: ProviderAdapter): boolean {
  return adapter.historyMode(providerInfo(record)) !== "none";
}

/** Under the mutex: re-reads what changed, takes the lease if needed; frees both on failure. */
async function settleTurn(rt: Runtime, state: TurnState): Promise<HeldTurn> {
  const sessionId = state.record.sessionId;
  const held: HeldTurn = { record: state.record, adapter: undefined!, releaseLease: null };
  try {
    const version = rt.versions.of(sessionId);
    if (version !== state.version) held.record = await readRecord(rt, sessionId);
    held.adapter = await rt.adapter(held.record.provider);
    if (isTurnLeaseStorage(rt.storage) && keepsState(held.record, held.adapter)) {
      held.releaseLease = await takeLease(rt.storage, sessionId, {
        holder: rt.holder,
        ttlMs: rt.config.turnLeaseMs,
        waitMs: rt.config.turnWaitMs,
      });
      const provider = held.record.provider;
      held.record = await readRecord(rt, sessionId);
      if (held.record.provider !== provider) held.adapter = await rt.adapter(held.record.provider);
    }
    state.record = held.record;
    state.version = version;
    return held;
  } catch (error) {
    await releaseTurn(rt, held);
    throw error;
  }
}

/** Gives the turn back: the lease (if any), then the mutex, which the next waiter takes over. */
export function releaseTurn(rt: Runtime, held: HeldTurn): void | Promise<void> {
  const sessionId = held.record.sessionId;
  if (!held.releaseLease) return rt.mutex.release(sessionId);
  return held.releaseLease().finally(() => rt.mutex.release(sessionId));
}

async function readRecord(rt: Runtime, sessionId: string): Promise<SessionRecord> {
  return (await rt.storage.getSession(sessionId)) ?? notFound(sessionId);
}

/** Runs `fn` holding the session's turn (see `acquireTurn`). */
export async function withTurn<T>(
  rt: Runtime,
  state: TurnState,
  fn: (record: SessionRecord, adapter: ProviderAdapter) => Promise<T>,
): Promise<T> {
  const held = await acquireTurn(rt, state);
  try {
    return await fn(held.record, held.adapter);
  } finally {
    await releaseTurn(rt, held);
  }
}

/**
 * Builds the provider input: the stored transcript only when the adapter keeps history
 * client-side (so only then is there anything to wait for).
 */
export function prepare(
  rt: Runtime,
  record: SessionRecord,
  adapter: ProviderAdapter,
  input: SessionMessage,
  signal?: AbortSignal,
): PreparedTurn | Promise<PreparedTurn> {
  const session = providerInfo(record);
  if (adapter.historyMode(session) !== "client") {
    return { record, adapter, providerInput: { session, history: [], input: [input], signal } };
  }
  return rt.storage.getMessages(record.sessionId).then((history) => ({
    record,
    adapter,
    providerInput: { session, history, input: [input], signal },
  }));
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
  const prepared = prepare(rt, held.record, held.adapter, input, signal);
  return isPromise(prepared) ? prepared.then((t) => askAndStore(rt, t)) : askAndStore(rt, prepared);
}

function askAndStore(rt: Runtime, turn: PreparedTurn): SessionMessage | Promise<SessionMessage> {
  let sent: ProviderReply | Promise<ProviderReply>;
  try {
    sent = turn.adapter.sendTurn(turn.providerInput);
  } catch (failure) {
    return rejectTurn(rt, turn, failure);
  }
  if (!isPromise(sent)) return acceptReply(rt, turn, sent);
  return sent.then(
    (reply) => acceptReply(rt, turn, reply),
    (failure: unknown) => rejectTurn(rt, turn, failure),
  );
}

/** A reply without text is the provider's failure, not the storage's: the input is kept. */
function acceptReply(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
): SessionMessage | Promise<SessionMessage> {
  if (typeof reply?.content === "string") return completeTurn(rt, turn, reply);
  const name = turn.adapter.name;
  return rejectTurn(rt, turn, new ProviderError(name, "the reply has no text content"));
}

async function rejectTurn(rt: Runtime, turn: PreparedTurn, failure: unknown): Promise<never> {
  throw await failTurn(rt, turn, failure);
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
  const message = toMessage(turn.record.sessionId, reply);
  const { storage, config } = rt;
  if (!isSyncTurnStorage(storage) || config.middleware.length || config.hooks) {
    return storeAndAnnounce(rt, turn, reply, message);
  }
  storage.appendTurnSync(
    turn.record.sessionId,
    batch(turn, message),
    counters(rt, turn, reply, message),
  );
  return message;
}

async function storeAndAnnounce(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  stored: SessionMessage,
): Promise<SessionMessage> {
  const message = rt.config.middleware.length ? await incoming(rt, turn, reply, stored) : stored;
  await rt.storage.appendMessages(
    turn.record.sessionId,
    batch(turn, message),
    counters(rt, turn, reply, message),
  );
  if (rt.config.hooks) {
    await callHook(rt.config.hooks, "onMessageSent", turn.providerInput.input[0]!);
    await callHook(rt.config.hooks, "onReplyReceived", message);
  }
  return message;
}

function batch(turn: PreparedTurn, reply: SessionMessage): SessionMessage[] {
  return [...turn.providerInput.input, reply];
}

function counters(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  message: SessionMessage,
): TurnCounters {
  return {
    usage: reply.usage,
    costUsd: turnCost(reply.usage, priceOf(rt, turn, reply.model)),
    at: message.timestamp,
  };
}

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Partial<Promise<T>> | null)?.then === "function";
}

/** The reply through the incoming middleware; if that fails, the input is kept unanswered. */
async function incoming(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  message: SessionMessage,
): Promise<SessionMessage> {
  try {
    return await applyMiddleware(rt.config, "incoming", message);
  } catch (failure) {
    // The reply cannot be stored, but its tokens were spent: keep the input and count them.
    throw (await storeUnanswered(rt, turn, failure, reply.usage)) ?? failure;
  }
}

/** Keeps the input of a turn that got no reply (see `storeUnanswered`) and returns the error to throw. */
export async function failTurn(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
  spent: TokenUsage = ZERO_USAGE,
): Promise<SessionError> {
  const error = toProviderError(turn.adapter.name, failure);
  const storageError = await storeUnanswered(rt, turn, error, spent);
  if (!storageError) await callHook(rt.config.hooks, "onMessageSent", turn.providerInput.input[0]!);
  return storageError ?? error;
}

/**
 * Stores the input of a turn that got no reply, marked `unanswered` with the failure, and the
 * tokens it spent. Returns null, or the `StorageError` if even the input could not be kept.
 */
async function storeUnanswered(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
  usage: TokenUsage,
): Promise<SessionError | null> {
  const marked = turn.providerInput.input.map((m) => ({
    ...m,
    metadata: { ...m.metadata, unanswered: true, error: describe(failure) },
  }));
  try {
    await rt.storage.appendMessages(turn.record.sessionId, marked, {
      usage: { ...usage },
      costUsd: turnCost(usage, priceOf(rt, turn)),
      at: new Date(),
    });
    return null;
  } catch (storageError) {
    return storageError instanceof SessionError
      ? storageError
      : new StorageError(rt.storage.name, String(storageError), { cause: failure });
  }
}

/** The user's price for the model that answered, else the provider's built-in one. */
function priceOf(rt: Runtime, turn: PreparedTurn, model = turn.record.model) {
  return rt.config.pricing[model] ?? turn.adapter.priceOf?.(model);
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
    message: redact(String((failure as Error)?.message ?? failure)),
  };
}

export function toProviderError(provider: string, failure: unknown): ProviderError {
  if (failure instanceof ProviderError) return failure;
  const aborted = (failure as Error)?.name === "AbortError";
  const message = aborted
    ? "the request was aborted"
    : String((failure as Error)?.message ?? failure);
  return new ProviderError(provider, message, { retryable: false, cause: failure });
}

function toMessage(sessionId: string, reply: ProviderReply): SessionMessage {
  const message: SessionMessage = {
    messageId: newMessageId(),
    sessionId,
    role: "assistant",
    content: reply.content,
    timestamp: new Date(),
    metadata: { ...reply.metadata },
    tokenCount: reply.usage.outputTokens,
  };
  if (reply.finishReason !== undefined) message.finishReason = reply.finishReason;
  if (reply.providerMessageId !== undefined) message.providerMessageId = reply.providerMessageId;
  if (reply.toolCalls?.length) message.toolCalls = reply.toolCalls;
  return message;
}
