import { cloneJson } from "../internal/clone.js";
import type { Session, SendMessageOptions } from "../session.js";
import { MessageStream } from "../stream.js";
import type {
  GetMessagesOptions,
  SessionMessage,
  SessionMetrics,
  SessionRecord,
  SessionStatus,
} from "../types.js";
import { knownOptions, optionalLimit } from "../validate.js";
import type { ConvertedSession } from "./convert.js";

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
 * later call uses too. Reads check first whether the session has meanwhile been migrated by
 * someone else (another view, process or `migrateV1`) and then come from V2.
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
  #v2: Session | null = null;

  /**
   * @internal Made by `SessionBridge`: `migrate` migrates the session, `migrated` finds it in V2
   * if it is there already.
   */
  constructor(
    v1: ConvertedSession,
    migrate: () => Promise<Session>,
    migrated: () => Promise<Session | null>,
  ) {
    this.#v1 = v1;
    this.#migrate = migrate;
    this.#migrated = migrated;
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

  async sendMessage(content: string, options?: SendMessageOptions): Promise<SessionMessage> {
    return (await this.#session()).sendMessage(content, options);
  }

  streamMessage(content: string, options?: SendMessageOptions): MessageStream {
    const session = (): Promise<Session> => this.#session();
    return new MessageStream(async function* (io) {
      const inner = (await session()).streamMessage(content, options);
      try {
        yield* inner;
      } finally {
        // Also when the reader broke off (`yield*` passed that on): the inner turn's reply.
        io.settle(await inner.reply);
      }
    });
  }

  async sendSystemMessage(content: string): Promise<SessionMessage> {
    return (await this.#session()).sendSystemMessage(content);
  }

  async clearMessages(): Promise<void> {
    return (await this.#session()).clearMessages();
  }

  async updateContext(context: Record<string, unknown>): Promise<void> {
    return (await this.#session()).updateContext(context);
  }

  async switchProvider(
    provider: string,
    model: string,
    providerConfig?: Record<string, unknown>,
  ): Promise<void> {
    return (await this.#session()).switchProvider(provider, model, providerConfig);
  }

  get #record(): SessionRecord {
    return this.#v1.record;
  }

  /** True when calls go to V2: migrated through this view, or by anyone since (a cheap look-up). */
  async #inV2(): Promise<boolean> {
    this.#v2 ??= await this.#migrated();
    return this.#v2 !== null;
  }

  async #session(): Promise<Session> {
    this.#v2 ??= await this.#migrate();
    return this.#v2;
  }
}
