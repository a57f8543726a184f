import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { SessionNotFoundError, ValidationError } from "../errors.js";
import { lazy } from "../internal/lazy.js";
import { createSessionInput } from "../session-input.js";
import { managerInternals, type SessionManager } from "../manager.js";
import type { CreateSessionInput, CreateSessionOptions } from "../session-input.js";
import type { Session } from "../session.js";
import type { ListSessionsOptions } from "../types.js";
import { requireString } from "../validate.js";
import type { ConvertedSession, ConvertOptions } from "./convert.js";
import { isOwnOrNative, notMigrated, readV1, unreadable, userRowIds } from "./bridge-v1.js";
import { isMigrationOf } from "./v1-origin.js";
import { V1Reader } from "./v1-reader.js";
import { V1SessionView, type ManagerChecks } from "./v1-session.js";
import { V1Clock } from "./v1-time.js";
import { isIncompleteMigration } from "./resume-state.js";
import { findMigrated, writeConverted } from "./write.js";

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
  /**
   * Ids V1 sessions get when the bridge migrates them; sessions bulk-migrated under either form
   * are found whatever this says. @default "keep"
   */
  sessionIds?: "keep" | "renew";
}

/** What `getSession` returns: a V2 `Session`, or a V1 session served read-only until it changes. */
export type BridgedSession = Session | V1SessionView;

/** What `getUserSessions` returns: a page of sessions, and the user's V1 rows left out. */
export type UserSessions = BridgedSession[] & {
  nextCursor: string | null;
  /** The user's V1 sessions that cannot be read (corrupt rows), with the reason. */
  unreadable: { sessionId: string; error: string }[];
};

/**
 * Serves sessions from V2 first and falls back to the V1 database; a V1 session migrates to V2
 * on its first change and then lives in V2. A V1 session already migrated (by `migrateV1`, with
 * kept or renewed ids, or by another bridge) is served from V2 under its V1 id too. A missing V1
 * file means there are no V1 sessions (it may have been removed after a full migration); the
 * V1 file is never modified. Migration happens once per session even
 * under concurrent calls; across processes it is idempotent (the id is kept and storage refuses
 * a taken session id, after which the state is read again).
 *
 * ```ts
 * const manager = createSessionManager({
 *   storage: "sqlite",
 *   providers: { openai: process.env.OPENAI_API_KEY }, // the providers the V1 sessions used
 * });
 * const bridge = new SessionBridge(manager, "langswarm_sessions.db");
 * const session = await bridge.getSession("session_db5b5fab");
 * await session.sendMessage("Hello again"); // a V1 session is migrated here, then answered by V2
 * await bridge.close(); // the manager stays open: it is yours
 * ```
 */
export class SessionBridge {
  readonly manager: SessionManager;
  readonly #reader: () => Promise<V1Reader | null>;
  readonly #convert: ConvertOptions;
  readonly #v1StyleIds: boolean;
  readonly #inflight = new Map<string, Promise<Session>>();
  /** What a V1 session's change is checked against before it migrates (see `V1SessionView`). */
  readonly #checks: ManagerChecks;

  constructor(manager: SessionManager, v1DatabasePath: string, options: SessionBridgeOptions = {}) {
    requireString("v1DatabasePath", v1DatabasePath, 4096);
    this.manager = manager;
    this.#checks = managerInternals(manager);
    this.#convert = {
      clock: new V1Clock(options.timezone),
      sessionIds: options.sessionIds ?? "keep",
      providerMap: { ...options.providerMap },
    };
    this.#v1StyleIds = options.v1StyleIds ?? false;
    // Checked once: a file that appears later is not picked up by this bridge.
    this.#reader = lazy(async () =>
      existsSync(v1DatabasePath) ? V1Reader.open(v1DatabasePath) : null,
    );
  }

  /**
   * V2 first, then V1. `{ userId }` reports another user's session as not found. When the V1
   * file has a session of this id, a V2 session migrated from another V1 session (another V1
   * file's) is not served: this file's session is, read-only from V1 (see `#fromV2`).
   */
  async getSession(sessionId: string, options: { userId?: string } = {}): Promise<BridgedSession> {
    const v2 = await this.#fromV2(sessionId, options);
    if (v2) return v2;
    const v1 = await this.#readV1(sessionId);
    if (options.userId !== undefined && v1.record.userId !== options.userId) {
      throw new SessionNotFoundError(sessionId);
    }
    const migrated = await this.#migrated(v1);
    if (migrated) return migrated;
    return new V1SessionView(
      v1,
      () => this.#migrate(sessionId),
      () => this.#migrated(v1),
      this.#checks,
    );
  }

  /** The V2 session to serve under this id, or null to look in V1. */
  async #fromV2(sessionId: string, options: { userId?: string }): Promise<Session | null> {
    let session: Session;
    try {
      session = await this.manager.getSession(sessionId, options);
    } catch (error) {
      // An id V2 cannot hold (V1's are free-form) can still be a V1 session's.
      const unfit = error instanceof ValidationError && error.field === "sessionId";
      if (error instanceof SessionNotFoundError || unfit) return null;
      throw error;
    }
    // Several apps may each have had a V1 file with this id (`default`): serving another file's
    // session here would show another user's conversation.
    if (!isOwnOrNative(session, await this.#reader())) return null;
    return this.#completed(session);
  }

  /** The session as served: a migration cut short (a crash between its writes) is completed. */
  async #completed(session: Session): Promise<Session> {
    if (!(await this.#interrupted(session))) return session;
    return this.#migrate(String(session.metadata.v1SessionId));
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
    options?: CreateSessionOptions,
  ): Promise<Session> {
    const input = createSessionInput(first, provider, model, options);
    const chosen = input.sessionConfig?.sessionId;
    if (chosen !== undefined) {
      // A V2 session under a V1 session's id would hide the V1 history for good.
      if ((await this.#reader())?.get(chosen)) {
        throw new ValidationError("sessionId", "a V1 session has this id");
      }
      return this.manager.createSession(input);
    }
    if (!this.#v1StyleIds) return this.manager.createSession(input);
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

  /**
   * A user's V2 sessions (one page, as `manager.getUserSessions` gives it) and, on the first page
   * (no `cursor`), all their V1 sessions not migrated yet, as read-only views. V1 rows that
   * cannot be read are left out and listed in `unreadable` with the reason (the migration
   * report lists them too); any other failure is thrown. A listed V2 session whose migration was
   * cut short is completed first, as `getSession` does (one extra read per migrated session).
   */
  async getUserSessions(userId: string, options: ListSessionsOptions = {}): Promise<UserSessions> {
    const v2 = await this.manager.getUserSessions(userId, options);
    // Listed half-migrated, a session would show (and continue) without V1's history.
    const served = await Promise.all(v2.map((s) => this.#completed(s)));
    const out: UserSessions = Object.assign(served as BridgedSession[], {
      nextCursor: v2.nextCursor,
      unreadable: [],
    });
    if (options.cursor !== undefined) return out;
    for (const id of userRowIds(await this.#reader(), userId, out.unreadable)) {
      const v1 = await this.#readV1(id).catch((error: unknown) =>
        unreadable(error, id, out.unreadable),
      );
      // Listed by the column or the JSON (see `sessionIdsOfUser`): served only to its user.
      if (!v1 || v1.record.userId !== userId) continue;
      if (options.status !== undefined && v1.record.status !== options.status) continue;
      // Already migrated: listed among the V2 sessions (on this page or another).
      if (await findMigrated(this.manager.storage, v1).catch(notMigrated)) continue;
      out.push(
        new V1SessionView(
          v1,
          () => this.#migrate(id),
          () => this.#migrated(v1),
          this.#checks,
        ),
      );
    }
    return out;
  }

  /** Archives a session; a V1 session is migrated first (the V1 file is never modified). */
  async archiveSession(sessionId: string): Promise<void> {
    await this.manager.archiveSession((await this.#inV2(sessionId)).sessionId);
  }

  /**
   * Deletes a V2 session. A session whose V1 row still exists is refused: the bridge never
   * modifies the V1 file, so the session would be served from V1 again and the delete would not
   * stick. Remove the V1 row first (or delete through the manager once V1 is retired).
   */
  async deleteSession(sessionId: string): Promise<boolean> {
    let session: BridgedSession;
    try {
      session = await this.getSession(sessionId);
    } catch (error) {
      if (error instanceof SessionNotFoundError) return false;
      throw error;
    }
    const v1Id = session.metadata.v1SessionId;
    const inV1 = session instanceof V1SessionView || typeof v1Id === "string";
    if (inV1 && (await this.#reader())?.get(typeof v1Id === "string" ? v1Id : sessionId)) {
      throw new ValidationError(
        "sessionId",
        "the V1 database still holds this session and the bridge never modifies it; " +
          "delete its V1 row first, or the session would come back",
      );
    }
    return this.manager.deleteSession(session.sessionId);
  }

  /** The session in V2, migrating a V1 session first. */
  async #inV2(sessionId: string): Promise<Session> {
    const session = await this.getSession(sessionId);
    return session instanceof V1SessionView ? this.#migrate(sessionId) : session;
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
    const outcome = await writeConverted(this.manager.storage, v1);
    return this.manager.getSession(outcome.sessionId);
  }

  /** The V2 session a V1 session was migrated to (completely), under either id form. */
  async #migrated(v1: ConvertedSession): Promise<Session | null> {
    const record = await findMigrated(this.manager.storage, v1).catch(notMigrated);
    if (!record) return null;
    if (isIncompleteMigration(record, v1)) return this.#migrate(v1.v1SessionId);
    return this.manager.getSession(record.sessionId);
  }

  /** A V2 session whose migration was cut short (a crash between its two writes). */
  async #interrupted(session: Session): Promise<boolean> {
    const md = session.metadata;
    if (md.migratedFrom !== "v1" || typeof md.v1Messages !== "number") return false;
    if (typeof md.v1SessionId !== "string") return false;
    const record = await session.refresh();
    if (record.messageCount >= md.v1Messages) return false;
    const v1 = await this.#readV1(md.v1SessionId).catch(() => null);
    return v1 !== null && isMigrationOf(record, v1) && isIncompleteMigration(record, v1);
  }

  async #readV1(sessionId: string): Promise<ConvertedSession> {
    return readV1(await this.#reader(), sessionId, this.#convert);
  }

  async #freeV1StyleId(): Promise<string> {
    const reader = await this.#reader();
    for (;;) {
      const id = `session_${randomBytes(4).toString("hex")}`;
      if (!reader?.get(id) && !(await this.manager.storage.getSession(id))) return id;
    }
  }
}
