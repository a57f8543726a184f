import {
  newMessage,
  NO_OPTIONS,
  outgoing,
  stampNow,
  turnInput,
  type SendMessageOptions,
} from "./input.js";
import { cloneJson } from "./internal/clone.js";
import { followSignal } from "./internal/follow-signal.js";
import { runAnnounced } from "./internal/hooks.js";
import { cloneRecord } from "./storage/record.js";
import { commitProviderState, moveProvider, undoProviderChange } from "./provider-state.js";
import { MessageStream } from "./stream.js";
import { streamTurn, type StreamIO } from "./stream-turn.js";
import { runTurn } from "./turn.js";
import { noCost } from "./turn-cost.js";
import { metricsOf, ownRecord, providerInfo, readRecord, updateRecord } from "./session-record.js";
import type { TurnState } from "./session-record.js";
import {
  acquireTurn,
  appendInTurn,
  isPromise,
  releaseTurn,
  withTurn,
  withTurnLeaving,
} from "./turn-lock.js";
import type { HeldTurn, Runtime } from "./turn-lock.js";
import type {
  GetMessagesOptions,
  SessionMessage,
  SessionMetrics,
  SessionRecord,
  SessionStatus,
} from "./types.js";
import {
  knownOptions,
  optionalLimit,
  requireContent,
  requireProviderConfig,
  requireRecord,
  requireString,
} from "./validate.js";

export type { SendMessageOptions } from "./input.js";

/**
 * @internal A session's streamed turn, run with a given stream's `io`: a V1 bridge view runs it in
 * its own `MessageStream`, so that its reader's pace and breaking off reach the turn.
 */
export const streamWithIO = Symbol("streamWithIO");

/**
 * One conversation. The same interface for every provider; obtained from the manager.
 *
 * ```ts
 * const session = await manager.createSession("user123", "mock", "mock-model");
 * const reply = await session.sendMessage("Hello!");
 * const history = await session.getMessages({ limit: 20 });
 * ```
 */
export class Session {
  /** The record as last read, and the manager's change count then (see `RecordVersions`). */
  readonly #state: TurnState;
  readonly #rt: Runtime;

  /**
   * @internal Sessions are made by `SessionManager`; `readMark` is `versions.mark()` taken before
   * the record was read (a change made meanwhile makes the record stale).
   */
  constructor(rt: Runtime, record: SessionRecord, readMark?: number) {
    this.#rt = rt;
    const id = record.sessionId;
    const version = readMark === undefined ? rt.versions.of(id) : rt.versions.ofRead(id, readMark);
    this.#state = { record: ownRecord(record), version };
  }

  get #record(): SessionRecord {
    return this.#state.record;
  }

  get sessionId(): string {
    return this.#record.sessionId;
  }
  get userId(): string {
    return this.#record.userId;
  }
  get provider(): string {
    return this.#record.provider;
  }
  get model(): string {
    return this.#record.model;
  }
  get status(): SessionStatus {
    return this.#record.status;
  }
  get name(): string | null {
    return this.#record.name;
  }
  get description(): string | null {
    return this.#record.description;
  }
  get createdAt(): Date {
    return new Date(this.#record.createdAt);
  }
  /** The provider's own id for this conversation (OpenAI `conv_…`); null for stateless providers. */
  get providerSessionId(): string | null {
    return this.#record.providerSessionId;
  }
  get context(): Record<string, unknown> {
    return cloneJson(this.#record.context);
  }
  get metadata(): Record<string, unknown> {
    return cloneJson(this.#record.metadata);
  }
  get providerConfig(): Record<string, unknown> {
    return cloneJson(this.#record.providerConfig);
  }

  /** Provider-side state of this session, as it is now (re-read if another object changed it). */
  get providerSession(): { getProviderMetadata(): Promise<Record<string, unknown>> } {
    return { getProviderMetadata: () => this.#providerMetadata() };
  }

  /**
   * Sends a message and returns the stored reply. A failed turn keeps the input, marked
   * `unanswered`. A tool result whose sibling calls are still unanswered is held: stored and
   * returned as it is, and the model gets all the results together with the last one.
   */
  async sendMessage(
    content: string,
    options: SendMessageOptions = NO_OPTIONS,
  ): Promise<SessionMessage> {
    const rt = this.#rt;
    // The turn is queued at call time; only what is pending is awaited, so most turns on the
    // memory store finish without a promise.
    const message = turnInput(rt.config, this.sessionId, content, options);
    rt.closing.enter(); // close() waits for this call, hooks included
    try {
      const acquired = acquireTurn(rt, this.#state, true, options.signal);
      const held = isPromise(acquired) ? await waited(acquired, message) : acquired;
      // The provider gets a signal of this turn's own (see `followSignal`).
      const own = options.signal && followSignal(options.signal);
      try {
        const ready = outgoing(rt, message, held.record.provider, own?.signal);
        const input = isPromise(ready) ? await ready : ready;
        const reply = runTurn(rt, held, input, own ? own.signal : undefined);
        return isPromise(reply) ? await reply : reply;
      } finally {
        if (own) own.release();
        const released = releaseTurn(rt, held);
        if (released || held.announced) await afterTurn(rt, released, held);
      }
    } finally {
      rt.closing.leave();
    }
  }

  /**
   * Streams the reply's text deltas; the reply is stored when the stream ends. The turn starts at
   * once (queued like `sendMessage`) and runs to its end whether or not the deltas are read, so
   * `await stream.reply` alone works. Breaking off the loop (or aborting `options.signal`) stores
   * what arrived with `finishReason: "aborted"`.
   *
   * ```ts
   * const stream = session.streamMessage("Hi");
   * for await (const delta of stream) process.stdout.write(delta);
   * const reply = await stream.reply;
   * ```
   */
  streamMessage(content: string, options: SendMessageOptions = NO_OPTIONS): MessageStream {
    return new MessageStream((io) => this[streamWithIO](content, options, io));
  }

  /** Adds a system message to the conversation; the provider sees it from the next turn on. */
  async sendSystemMessage(content: string): Promise<SessionMessage> {
    const text = requireContent(content, this.#rt.config.maxMessageBytes);
    return withTurn(this.#rt, this.#state, async (record, adapter, held) => {
      const message = newMessage(record.sessionId, "system", text);
      const undo = await adapter.addSystemMessage?.(providerInfo(record), message);
      try {
        await appendInTurn(this.#rt, held, [message], noCost(message.timestamp, record), "retake");
      } catch (error) {
        // Not stored: the provider takes it back, so the model and the transcript agree.
        await undoProviderChange(undo, `the system message in ${adapter.name}`);
        throw error;
      }
      return message;
    });
  }

  /** Oldest first; `{ limit: N }` gives the newest N, still oldest first. No network call. */
  async getMessages(options?: GetMessagesOptions): Promise<SessionMessage[]> {
    const { limit: given } = knownOptions(options, ["limit"]);
    const limit = optionalLimit("limit", given, Number.MAX_SAFE_INTEGER);
    // Of this session only, not of another made under its id since (by any process).
    const known = this.#state.record;
    return this.#rt.storage.getMessages(this.sessionId, { limit, known });
  }

  /**
   * Removes the transcript (tokens and cost already spent stay counted) and starts fresh provider
   * state. The model forgets first: if a step fails, the session still works and a retry
   * finishes the clear.
   */
  async clearMessages(): Promise<void> {
    // The turn reads the session first (see `withTurn`): still this one, as it is now.
    await withTurn(this.#rt, this.#state, async (record, adapter) => {
      const old = providerInfo(record);
      if (old.providerSessionId && adapter.createProviderSession) {
        const fresh = (await adapter.createProviderSession(old)) ?? null;
        await commitProviderState(
          () => this.#update({ providerSessionId: fresh }),
          { adapter, session: { ...old, providerSessionId: fresh } },
          { adapter, session: old },
        );
      }
      await this.#rt.storage.clearMessages(record.sessionId);
    });
  }

  /**
   * Merges keys into `session.context` (atomically in storage): each key given replaces the
   * stored one (a shallow merge), and a key given as `undefined` is removed.
   */
  async updateContext(context: Record<string, unknown>): Promise<void> {
    requireRecord("context", context); // checked before anything is read
    await this.#rt.closing.run(() => this.#update({ mergeContext: context }));
  }

  /** Totals from storage: messages, tokens, duration in seconds, cost (null when unknown). */
  async getMetrics(): Promise<SessionMetrics> {
    return metricsOf(await this.#refresh());
  }

  /**
   * Moves the conversation to another provider or model. The full transcript stays in storage
   * and the next provider receives it (client-side) or gets fresh native state.
   */
  async switchProvider(
    provider: string,
    model: string,
    providerConfig?: Record<string, unknown>,
  ): Promise<void> {
    requireString("provider", provider);
    requireString("model", model);
    const given =
      providerConfig === undefined
        ? undefined
        : requireProviderConfig("providerConfig", providerConfig);
    // The turn is queued at once, so turns asked for later run on the switched record. A session
    // can leave a provider this manager cannot use (e.g. one migrated from V1).
    await withTurnLeaving(this.#rt, this.#state, async (record, previous) => {
      const move = { record, previous, provider, model, given };
      await moveProvider(this.#rt, move, (patch) => this.#update(patch));
    });
  }

  /** Re-reads the session from storage (status, counters, context changed elsewhere); returns a copy. */
  async refresh(): Promise<SessionRecord> {
    return cloneRecord(await this.#refresh());
  }

  /** @internal See `streamWithIO`. */
  async *[streamWithIO](
    content: string,
    options: SendMessageOptions,
    io: StreamIO,
  ): AsyncGenerator<string> {
    const input = turnInput(this.#rt.config, this.sessionId, content, options);
    yield* streamTurn(this.#rt, this.#state, input, options.signal, io);
  }

  async #providerMetadata(): Promise<Record<string, unknown>> {
    const rt = this.#rt;
    if (rt.closing.closed) throw rt.closing.refusal();
    const current = rt.versions.of(this.sessionId) === this.#state.version;
    const record = current ? this.#record : await this.#refresh();
    const adapter = await rt.adapter(record.provider);
    const extra = await adapter.getProviderMetadata?.(providerInfo(record));
    const { provider, model, providerSessionId } = record;
    return { provider, model, providerSessionId, ...extra };
  }

  async #refresh(): Promise<SessionRecord> {
    const version = this.#rt.versions.of(this.sessionId);
    const record = await readRecord(this.#rt, this.#state.record);
    this.#state.record = record;
    this.#state.version = version;
    return record;
  }

  async #update(patch: Parameters<Runtime["storage"]["updateSession"]>[1]): Promise<void> {
    await updateRecord(this.#rt, this.#state, patch);
  }
}

/** A turn that waited behind others: its input is stamped when it starts (see `stampNow`). */
async function waited(acquired: Promise<HeldTurn>, message: SessionMessage): Promise<HeldTurn> {
  const held = await acquired;
  stampNow(message);
  return held;
}

/** After a turn is released: its lease's release, then its hooks. */
async function afterTurn(rt: Runtime, released: void | Promise<void>, held: HeldTurn) {
  await released;
  await runAnnounced(rt.config.hooks, held);
}
