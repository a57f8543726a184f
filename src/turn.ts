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
import { isTurnLeaseStorage, type SessionStorage } from "./storage/types.js";
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

/** A held turn: the session as re-read under the lock, its adapter, and the release. */
export interface HeldTurn {
  record: SessionRecord;
  adapter: ProviderAdapter;
  release(): Promise<void>;
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
 * may have); `state` is brought up to date either way.
 */
export async function acquireTurn(rt: Runtime, state: TurnState): Promise<HeldTurn> {
  const sessionId = state.record.sessionId;
  const release = await rt.mutex.acquire(sessionId);
  let releaseLease: (() => Promise<void>) | undefined;
  const releaseAll = async (): Promise<void> => {
    try {
      await releaseLease?.();
    } finally {
      release();
    }
  };
  try {
    const version = rt.versions.of(sessionId);
    let record = version === state.version ? state.record : await readRecord(rt, sessionId);
    let adapter = await rt.adapter(record.provider);
    if (adapter.historyMode(providerInfo(record)) !== "none" && isTurnLeaseStorage(rt.storage)) {
      releaseLease = await takeLease(rt.storage, sessionId, {
        holder: rt.holder,
        ttlMs: rt.config.turnLeaseMs,
        waitMs: rt.config.turnWaitMs,
      });
      const provider = record.provider;
      record = await readRecord(rt, sessionId);
      if (record.provider !== provider) adapter = await rt.adapter(record.provider);
    }
    state.record = record;
    state.version = version;
    return { record, adapter, release: releaseAll };
  } catch (error) {
    await releaseAll();
    throw error;
  }
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
    await held.release();
  }
}

/** Builds the provider input: the stored transcript only when the adapter keeps history client-side. */
export async function prepare(
  rt: Runtime,
  record: SessionRecord,
  adapter: ProviderAdapter,
  input: SessionMessage,
  signal?: AbortSignal,
): Promise<PreparedTurn> {
  const session = providerInfo(record);
  const history =
    adapter.historyMode(session) === "client" ? await rt.storage.getMessages(record.sessionId) : [];
  return { record, adapter, providerInput: { session, history, input: [input], signal } };
}

/** Stores a completed turn (input and reply) with its counters in one transaction, then runs hooks. */
export async function completeTurn(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
): Promise<SessionMessage> {
  const message = await storeReply(rt, turn, reply);
  if (rt.config.hooks) {
    await callHook(rt.config.hooks, "onMessageSent", turn.providerInput.input[0]!);
    await callHook(rt.config.hooks, "onReplyReceived", message);
  }
  return message;
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

async function storeReply(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
): Promise<SessionMessage> {
  let message = toMessage(turn.record.sessionId, reply);
  try {
    if (rt.config.middleware.length)
      message = await applyMiddleware(rt.config, "incoming", message);
  } catch (failure) {
    // The reply cannot be stored, but its tokens were spent: keep the input and count them.
    throw (await storeUnanswered(rt, turn, failure, reply.usage)) ?? failure;
  }
  await rt.storage.appendMessages(turn.record.sessionId, [...turn.providerInput.input, message], {
    usage: reply.usage,
    costUsd: turnCost(reply.usage, priceOf(rt, turn, reply.model)),
    at: message.timestamp,
  });
  return message;
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
