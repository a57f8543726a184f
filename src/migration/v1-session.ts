import { NO_OPTIONS, turnInput } from "../input.js";
import { cloneJson } from "../internal/clone.js";
import type { ManagerInternals } from "../manager.js";
import { streamWithIO, type Session, type SendMessageOptions } from "../session.js";
import { MessageStream } from "../stream.js";
import type { StreamIO } from "../stream-turn.js";
import type {
  GetMessagesOptions,
  SessionMessage,
  SessionMetrics,
  SessionRecord,
  SessionStatus,
} from "../types.js";
import {
  knownOptions,
  optionalLimit,
  requireContent,
  requireProviderConfig,
  requireRecord,
  requireString,
} from "../validate.js";
import { beginChange } from "./bridge-v1.js";
import type { ConvertedSession } from "./convert.js";

/**
 * What a view checks a change against before it migrates (its manager's config and providers),
 * and the manager's closing, which its changes enter as the manager's own calls do.
 */
export type ManagerChecks = ManagerInternals;

/** What refuses a change before the session is migrated (see `V1SessionView.#changing`). */
type Refuse = (record: SessionRecord) => void | Promise<void>;

/** The public surface a bridged session offers: the same as a V2 `Session`. */
export type SessionInterface = Pick<
  Session,
  | "sessionId"
  | "userId"
  | "provider"
  | "model"
  | "status"
  | "name"
  | "description"
  | "createdAt"
  | "providerSessionId"
  | "context"
  | "metadata"
  | "providerConfig"
  | "providerSession"
  | "sendMessage"
  | "streamMessage"
  | "sendSystemMessage"
  | "getMessages"
  | "clearMessages"
  | "updateContext"
  | "getMetrics"
  | "switchProvider"
  | "refresh"
>;

/**
 * A V1 session served through the V2 session interface, from the V1 database, without writing
 * anything. Reads come from V1 until the first call that changes the session (a message, a
 * system message, a clear, a context update, a provider switch): that call first migrates the
 * session to V2 (once, however many calls race) and then runs on the V2 session, which every
 * later call uses too. A call the V2 session would refuse (bad input, a provider this manager is
 * not configured with) is refused before that: nothing is written. Reads check first whether the
 * session has meanwhile been migrated by someone else (another view, process or `migrateV1`) and
 * then come from V2. As for a V2 session, `manager.close()` waits for a change asked for before
 * it (its migration included) and refuses one asked for after it, and a turn aborted before it
 * runs on V2 is refused as one aborted before it started (see `beginChange`).
 *
 * ```ts
 * const session = await bridge.getSession("session_db5b5fab"); // a V1SessionView
 * await session.getMessages();           // read from V1
 * await session.sendMessage("Hello!");   // migrates, then sends through V2
 * ```
 */
export class V1SessionView implements SessionInterface {
  readonly #v1: ConvertedSession;
  readonly #migrate: () => Promise<Session>;
  readonly #migrated: () => Promise<Session | null>;
  readonly #checks: ManagerChecks;
  #v2: Session | null = null;

  /**
   * @internal Made by `SessionBridge`: `migrate` migrates the session, `migrated` finds it in V2
   * if it is there already; `checks` are the bridge's manager's (see `managerInternals`).
   */
  constructor(
    v1: ConvertedSession,
    migrate: () => Promise<Session>,
    migrated: () => Promise<Session | null>,
    checks: ManagerChecks,
  ) {
    this.#v1 = v1;
    this.#migrate = migrate;
    this.#migrated = migrated;
    this.#checks = checks;
  }

  /** True once the session has been migrated and calls go to V2. */
  get migrated(): boolean {
    return this.#v2 !== null;
  }
  get sessionId(): string {
    return this.#v2?.sessionId ?? this.#record.sessionId;
  }
  get userId(): string {
    return this.#v2?.userId ?? this.#record.userId;
  }
  get provider(): string {
    return this.#v2?.provider ?? this.#record.provider;
  }
  get model(): string {
    return this.#v2?.model ?? this.#record.model;
  }
  get status(): SessionStatus {
    return this.#v2?.status ?? this.#record.status;
  }
  get name(): string | null {
    return this.#v2 ? this.#v2.name : this.#record.name;
  }
  get description(): string | null {
    return this.#v2 ? this.#v2.description : this.#record.description;
  }
  get createdAt(): Date {
    return this.#v2?.createdAt ?? new Date(this.#record.createdAt);
  }
  get providerSessionId(): string | null {
    return this.#v2 ? this.#v2.providerSessionId : this.#record.providerSessionId;
  }
  get context(): Record<string, unknown> {
    return this.#v2?.context ?? cloneJson(this.#record.context);
  }
  get metadata(): Record<string, unknown> {
    return this.#v2?.metadata ?? cloneJson(this.#record.metadata);
  }
  get providerConfig(): Record<string, unknown> {
    return this.#v2?.providerConfig ?? cloneJson(this.#record.providerConfig);
  }
  get providerSession(): Session["providerSession"] {
    if (this.#v2) return this.#v2.providerSession;
    return {
      getProviderMetadata: async () => ({
        provider: this.provider,
        model: this.model,
        providerSessionId: this.providerSessionId,
        v1: true,
      }),
    };
  }

  async getMessages(options?: GetMessagesOptions): Promise<SessionMessage[]> {
    const { limit: given } = knownOptions(options, ["limit"]); // as a V2 session checks them
    if (await this.#inV2()) return this.#v2!.getMessages(options);
    const limit = optionalLimit("limit", given, Number.MAX_SAFE_INTEGER);
    const all = this.#v1.messages;
    const slice = limit === undefined ? all : limit === 0 ? [] : all.slice(-limit);
    return slice.map((m) => cloneJson(m));
  }

  async getMetrics(): Promise<SessionMetrics> {
    if (await this.#inV2()) return this.#v2!.getMetrics();
    const r = await this.refresh();
    return {
      totalMessages: r.messageCount,
      totalTokens: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedTokens: 0,
      cacheCreationTokens: 0,
      sessionDuration: (r.lastActivity.getTime() - r.createdAt.getTime()) / 1000,
      lastActivity: r.lastActivity,
      costUsd: 0,
      unpricedTurns: 0,
    };
  }

  /** The record as it will be once migrated (message count included). */
  async refresh(): Promise<SessionRecord> {
    if (await this.#inV2()) return this.#v2!.refresh();
    return { ...cloneJson(this.#record), messageCount: this.#v1.messages.length };
  }

  async sendMessage(
    content: string,
    options: SendMessageOptions = NO_OPTIONS,
  ): Promise<SessionMessage> {
    turnInput(this.#checks.config, this.sessionId, content, options);
    return this.#change(this.#configured, (s) => s.sendMessage(content, options), options.signal);
  }

  /**
   * As `Session.streamMessage`. The V2 turn runs in this very stream (not in a stream of its own
   * read by this one, which would run ahead of the reader), so breaking off stops it at what the
   * reader took.
   */
  streamMessage(content: string, options: SendMessageOptions = NO_OPTIONS): MessageStream {
    return new MessageStream((io) => this.#stream(content, options, io));
  }

  async sendSystemMessage(content: string): Promise<SessionMessage> {
    requireContent(content, this.#checks.config.maxMessageBytes);
    return this.#change(this.#configured, (s) => s.sendSystemMessage(content));
  }

  async clearMessages(): Promise<void> {
    return this.#change(this.#configured, (s) => s.clearMessages());
  }

  async updateContext(context: Record<string, unknown>): Promise<void> {
    requireRecord("context", context);
    // V2 merges the context without its provider: one it cannot use does not stop it.
    return this.#change(
      () => undefined,
      (s) => s.updateContext(context),
    );
  }

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
    // Leaving a provider this manager cannot use is allowed (V1's, often): only the target counts.
    const target = async (record: SessionRecord): Promise<void> => {
      const adapter = await this.#checks.providers.get(provider);
      adapter.validateConfig?.(given ?? record.providerConfig);
    };
    return this.#change(target, (s) => s.switchProvider(provider, model, providerConfig));
  }

  get #record(): SessionRecord {
    return this.#v1.record;
  }

  /** True when calls go to V2: migrated through this view, or by anyone since (a cheap look-up). */
  async #inV2(): Promise<boolean> {
    this.#v2 ??= await this.#migrated();
    return this.#v2 !== null;
  }

  async *#stream(
    content: string,
    options: SendMessageOptions,
    io: StreamIO,
  ): AsyncGenerator<string> {
    turnInput(this.#checks.config, this.sessionId, content, options);
    // Migrated: V2's own stream, which enters the manager's closing at once as V2's does.
    if (this.#v2) return yield* this.#v2[streamWithIO](content, options, io);
    const change = beginChange(this.#checks.closing, options.signal, this.provider, () =>
      this.#changing(this.#configured),
    );
    try {
      const turn = (await change.session)[streamWithIO](content, options, io);
      // Its first step enters the manager's closing: admitted, as this call entered before.
      const first = await this.#checks.closing.admit(() => turn.next());
      if (first.done) return;
      let ended = false;
      try {
        yield first.value;
        yield* turn;
        ended = true;
      } finally {
        // Broken off at the first delta: the turn stores what was read (its own `finally`).
        if (!ended) await turn.return(undefined);
      }
    } finally {
      change.end();
    }
  }

  /** Runs a change on the V2 session (see `beginChange`). */
  async #change<T>(
    refuse: Refuse,
    run: (session: Session) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    // Migrated: V2's own call, made now, so that a close() right after waits for it as for V2's.
    if (this.#v2) return run(this.#v2);
    const change = beginChange(this.#checks.closing, signal, this.provider, () =>
      this.#changing(refuse),
    );
    try {
      const session = await change.session;
      // V2's call enters the manager's closing at once: admitted, as this call entered before.
      return await this.#checks.closing.admit(() => run(session));
    } finally {
      change.end();
    }
  }

  /**
   * The V2 session a change runs on. A V1 session is migrated first, but only once `refuse` (the
   * checks V2 would run before writing, on the record as it will be migrated) let the call
   * through: a call V2 would refuse leaves V2 untouched. Each caller checks its input before.
   */
  async #changing(refuse: Refuse): Promise<Session> {
    if (await this.#inV2()) return this.#v2!;
    await refuse(this.#record);
    this.#v2 ??= await this.#migrate();
    return this.#v2;
  }

  /** A turn, a system message or a clear needs the session's own provider configured. */
  readonly #configured = (record: SessionRecord): void => {
    this.#checks.providers.require(record.provider);
  };
}
