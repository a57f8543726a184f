import { randomBytes } from "node:crypto";
import { SessionNotFoundError, StorageError, ValidationError } from "../errors.js";
import { lazy } from "../internal/lazy.js";
import type { CreateSessionInput, CreateSessionOptions, SessionManager } from "../manager.js";
import type { Session } from "../session.js";
import { requireString } from "../validate.js";
import { convertSession } from "./convert.js";
import type { ConvertedSession, ConvertOptions } from "./convert.js";
import { V1Reader } from "./v1-reader.js";
import { V1SessionView } from "./v1-session.js";
import { V1Clock } from "./v1-time.js";
import { isIncompleteMigration, writeConverted } from "./write.js";

export interface SessionBridgeOptions {
  /** IANA zone of the V1 host's naive timestamps. @default the machine's zone */
  timezone?: string;
  /** V1 provider name → V2 provider name, merged over the defaults. */
  providerMap?: Record<string, string>;
  /**
   * New sessions get V1-shaped ids (`session_` + 8 hex chars) for code that expects them.
   * They are checked against both databases, but only 32 bits are random: opt in knowingly.
   */
  v1StyleIds?: boolean;
}

/** What `getSession` returns: a V2 `Session`, or a V1 session served read-only until it changes. */
export type BridgedSession = Session | V1SessionView;

/**
 * Serves sessions from V2 first and falls back to the V1 database; a V1 session migrates to V2
 * (ids kept) on its first change and then lives in V2. Migration happens once per session even
 * under concurrent calls; across processes it is idempotent (the id is kept and storage refuses
 * a taken session id, after which the state is read again).
 *
 * ```ts
 * const bridge = new SessionBridge(createSessionManager({ storage: "sqlite" }), "langswarm_sessions.db");
 * const session = await bridge.getSession("session_db5b5fab");
 * await session.sendMessage("Hello again"); // a V1 session is migrated here, then answered by V2
 * await bridge.close();
 * ```
 */
export class SessionBridge {
  readonly manager: SessionManager;
  readonly #reader: () => Promise<V1Reader>;
  readonly #convert: ConvertOptions;
  readonly #v1StyleIds: boolean;
  readonly #inflight = new Map<string, Promise<Session>>();

  constructor(manager: SessionManager, v1DatabasePath: string, options: SessionBridgeOptions = {}) {
    requireString("v1DatabasePath", v1DatabasePath, 4096);
    this.manager = manager;
    this.#convert = {
      clock: new V1Clock(options.timezone),
      sessionIds: "keep",
      providerMap: { ...options.providerMap },
    };
    this.#v1StyleIds = options.v1StyleIds ?? false;
    this.#reader = lazy(() => V1Reader.open(v1DatabasePath));
  }

  /** V2 first, then V1. `{ userId }` reports another user's session as not found. */
  async getSession(sessionId: string, options: { userId?: string } = {}): Promise<BridgedSession> {
    try {
      const session = await this.manager.getSession(sessionId, options);
      return (await this.#interrupted(session)) ? this.#migrate(sessionId) : session;
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
    }
    const v1 = await this.#readV1(sessionId);
    if (options.userId !== undefined && v1.record.userId !== options.userId) {
      throw new SessionNotFoundError(sessionId);
    }
    return new V1SessionView(v1, () => this.#migrate(sessionId));
  }

  /** Creates a V2 session, with the manager's signatures. */
  async createSession(input: CreateSessionInput): Promise<Session>;
  async createSession(
    userId: string,
    provider: string,
    model: string,
    options?: CreateSessionOptions,
  ): Promise<Session>;
  async createSession(
    first: string | CreateSessionInput,
    provider?: string,
    model?: string,
    options: CreateSessionOptions = {},
  ): Promise<Session> {
    const input: CreateSessionInput =
      typeof first === "object" && first !== null
        ? { ...first }
        : { ...options, userId: first, provider: provider!, model: model! };
    if (!this.#v1StyleIds || input.sessionConfig?.sessionId !== undefined) {
      return this.manager.createSession(input);
    }
    for (let attempt = 0; ; attempt++) {
      const sessionId = await this.#freeV1StyleId();
      try {
        return await this.manager.createSession({
          ...input,
          sessionConfig: { ...input.sessionConfig, sessionId },
        });
      } catch (error) {
        // another process took the same id in the meantime
        if (!(error instanceof ValidationError && error.field === "sessionId") || attempt >= 4)
          throw error;
      }
    }
  }

  /** Closes the V1 database. The manager belongs to the caller and stays open. */
  async close(): Promise<void> {
    const reader = await this.#reader().catch(() => null);
    reader?.close();
  }

  /** Single flight per id: concurrent first messages migrate the session once. */
  #migrate(sessionId: string): Promise<Session> {
    let pending = this.#inflight.get(sessionId);
    if (!pending) {
      pending = this.#migrateNow(sessionId).finally(() => this.#inflight.delete(sessionId));
      this.#inflight.set(sessionId, pending);
    }
    return pending;
  }

  async #migrateNow(sessionId: string): Promise<Session> {
    const v1 = await this.#readV1(sessionId);
    await writeConverted(this.manager.storage, v1);
    return this.manager.getSession(v1.record.sessionId);
  }

  /** A V2 session whose migration was cut short (a crash between its two writes). */
  async #interrupted(session: Session): Promise<boolean> {
    const md = session.metadata;
    if (md.migratedFrom !== "v1" || typeof md.v1Messages !== "number") return false;
    const record = await session.refresh();
    if (record.messageCount >= md.v1Messages) return false;
    const v1 = await this.#readV1(session.sessionId).catch(() => null);
    return v1 !== null && isIncompleteMigration(record, v1.record.updatedAt);
  }

  async #readV1(sessionId: string): Promise<ConvertedSession> {
    const entry = (await this.#reader()).get(requireString("sessionId", sessionId));
    if (!entry) throw new SessionNotFoundError(sessionId);
    try {
      if (!entry.ok) throw new Error(entry.error);
      return convertSession(entry.session, this.#convert);
    } catch (error) {
      throw new StorageError(
        "v1",
        `V1 session ${sessionId} cannot be read: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async #freeV1StyleId(): Promise<string> {
    const reader = await this.#reader();
    for (;;) {
      const id = `session_${randomBytes(4).toString("hex")}`;
      if (!reader.get(id) && !(await this.manager.storage.getSession(id))) return id;
    }
  }
}
