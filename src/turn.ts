import type { ManagerConfig } from "./config.js";
import { ProviderError, SessionError, StorageError } from "./errors.js";
import { newMessageId } from "./ids.js";
import { takeLease } from "./internal/lease.js";
import type { KeyedMutex } from "./internal/mutex.js";
import { turnCost } from "./pricing.js";
import { ZERO_USAGE } from "./providers/types.js";
import type {
  ProviderAdapter,
  ProviderReply,
  ProviderSessionInfo,
  ProviderTurnInput,
} from "./providers/types.js";
import { isTurnLeaseStorage, type SessionStorage } from "./storage/types.js";
import type { SessionMessage, SessionRecord } from "./types.js";

/** What sessions share with their manager. */
export interface Runtime {
  readonly storage: SessionStorage;
  readonly config: ManagerConfig;
  readonly mutex: KeyedMutex;
  /** This manager's lease holder id. */
  readonly holder: string;
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

/**
 * Takes the session's turn: the in-process mutex always, and the storage's cross-process lease
 * when the provider's replies depend on earlier turns. When leased, the record is re-read, since
 * another process may have changed it.
 */
export async function acquireTurn(rt: Runtime, snapshot: SessionRecord): Promise<HeldTurn> {
  const release = await rt.mutex.acquire(snapshot.sessionId);
  let releaseLease: (() => Promise<void>) | undefined;
  const releaseAll = async (): Promise<void> => {
    try {
      await releaseLease?.();
    } finally {
      release();
    }
  };
  try {
    let adapter = await rt.adapter(snapshot.provider);
    let record = snapshot;
    if (adapter.historyMode(providerInfo(snapshot)) !== "none" && isTurnLeaseStorage(rt.storage)) {
      releaseLease = await takeLease(rt.storage, snapshot.sessionId, {
        holder: rt.holder,
        ttlMs: rt.config.turnLeaseMs,
        waitMs: rt.config.turnWaitMs,
      });
      record = (await rt.storage.getSession(snapshot.sessionId)) ?? snapshot;
      if (record.provider !== snapshot.provider) adapter = await rt.adapter(record.provider);
    }
    return { record, adapter, release: releaseAll };
  } catch (error) {
    await releaseAll();
    throw error;
  }
}

/** Runs `fn` holding the session's turn (see `acquireTurn`). */
export async function withTurn<T>(
  rt: Runtime,
  snapshot: SessionRecord,
  fn: (record: SessionRecord, adapter: ProviderAdapter) => Promise<T>,
): Promise<T> {
  const held = await acquireTurn(rt, snapshot);
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
  const hooks = rt.config.hooks;
  // Checked rather than awaited blindly: an `await` costs a tick even when there is no hook.
  if (hooks?.onMessageSent) await hooks.onMessageSent(turn.providerInput.input[0]!);
  if (hooks?.onReplyReceived) await hooks.onReplyReceived(message);
  return message;
}

/** Keeps the input of a turn that got no reply (see `storeUnanswered`) and returns the error to throw. */
export async function failTurn(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
): Promise<SessionError> {
  const error = await storeUnanswered(rt, turn, failure);
  await rt.config.hooks?.onMessageSent?.(turn.providerInput.input[0]!);
  return error;
}

async function storeReply(
  rt: Runtime,
  turn: PreparedTurn,
  reply: ProviderReply,
  extraMetadata: Record<string, unknown> = {},
): Promise<SessionMessage> {
  let message = toMessage(turn.record.sessionId, reply, extraMetadata);
  for (const m of rt.config.middleware) if (m.incoming) message = await m.incoming(message);
  const price = rt.config.pricing[turn.record.model] ?? turn.adapter.priceOf?.(turn.record.model);
  await rt.storage.appendMessages(turn.record.sessionId, [...turn.providerInput.input, message], {
    usage: reply.usage,
    costUsd: turnCost(reply.usage, price),
    at: message.timestamp,
  });
  return message;
}

/**
 * Stores the input of a turn that got no reply, marked `unanswered`, and returns the error to
 * throw: a `ProviderError` (non-provider failures are wrapped), or a `StorageError` if even the
 * input could not be kept.
 */
async function storeUnanswered(
  rt: Runtime,
  turn: PreparedTurn,
  failure: unknown,
): Promise<SessionError> {
  const error = toProviderError(turn.adapter.name, failure);
  const marked = turn.providerInput.input.map((m) => ({
    ...m,
    metadata: {
      ...m.metadata,
      unanswered: true,
      error: {
        code: error.code,
        provider: error.provider,
        status: error.status,
        message: error.message,
      },
    },
  }));
  try {
    await rt.storage.appendMessages(turn.record.sessionId, marked, {
      usage: { ...ZERO_USAGE },
      costUsd: 0,
      at: new Date(),
    });
  } catch (storageError) {
    return storageError instanceof SessionError
      ? storageError
      : new StorageError(rt.storage.name, String(storageError), { cause: error });
  }
  return error;
}

export function toProviderError(provider: string, failure: unknown): ProviderError {
  if (failure instanceof ProviderError) return failure;
  const aborted = (failure as Error)?.name === "AbortError";
  const message = aborted
    ? "the request was aborted"
    : String((failure as Error)?.message ?? failure);
  return new ProviderError(provider, message, { retryable: false, cause: failure });
}

function toMessage(
  sessionId: string,
  reply: ProviderReply,
  extraMetadata: Record<string, unknown>,
): SessionMessage {
  const message: SessionMessage = {
    messageId: newMessageId(),
    sessionId,
    role: "assistant",
    content: reply.content,
    timestamp: new Date(),
    metadata: { ...reply.metadata, ...extraMetadata },
    tokenCount: reply.usage.outputTokens,
  };
  if (reply.finishReason !== undefined) message.finishReason = reply.finishReason;
  if (reply.providerMessageId !== undefined) message.providerMessageId = reply.providerMessageId;
  if (reply.toolCalls?.length) message.toolCalls = reply.toolCalls;
  return message;
}
