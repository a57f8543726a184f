import { randomUUID } from "node:crypto";
import { ManagerOptions, parseOrThrow } from "./config.js";
import type { ManagerConfig, ManagerOptionsInput } from "./config.js";
import { SessionNotFoundError, ValidationError } from "./errors.js";
import { cleanupPlan, cleanUpInactive, deleteSession } from "./cleanup.js";
import type { CleanupOptions } from "./cleanup.js";
import { Closing, throwFirst } from "./internal/closing.js";
import { callHook, scopedHooks } from "./internal/hooks.js";
import { ConfiguredProviders } from "./providers/configured.js";
import { dropProviderState } from "./provider-state.js";
import { StorageFactory } from "./storage/factory.js";
import type { SessionStorage } from "./storage/types.js";
import { Session } from "./session.js";
import {
  createSessionInput,
  newSessionRecord,
  type CreateSessionInput,
  type CreateSessionOptions,
} from "./session-input.js";
import { failureText } from "./providers/provider-failure.js";
import { providerInfo } from "./session-record.js";
import { turnLocksOf, type Runtime } from "./turn-lock.js";
import type { ListSessionsOptions, SessionRecord } from "./types.js";
import { knownOptions, optionalLimit, requireStatus, requireString } from "./validate.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

/** A page of sessions: an array, plus the cursor of the next page (null on the last). */
export type SessionList = Session[] & { nextCursor: string | null };

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/**
 * The one entry point: creates, finds, lists, archives and deletes sessions.
 * Options are validated before anything is opened; storage connects on first use.
 *
 * ```ts
 * const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath: "sessions.db" } });
 * const session = await manager.createSession("user123", "mock", "mock-model");
 * await session.sendMessage("Hello!");
 * await manager.close();
 * ```
 */
export class SessionManager {
  readonly storage: SessionStorage;
  readonly #config: ManagerConfig;
  readonly #providers: ConfiguredProviders;
  readonly #rt: Runtime;
  readonly #closing: Closing;
  /** Closing the providers and the storage, once every call has ended. */
  #shut: Promise<void> | undefined;
  #warnsOnFailure = false;

  constructor(options: ManagerOptionsInput = {}) {
    const config = parseOrThrow(ManagerOptions, options) as ManagerConfig;
    if (typeof config.storage !== "string" && Object.keys(config.storageConfig).length) {
      throw new ValidationError("storageConfig", "is for a storage given by name, not an object");
    }
    this.#providers = new ConfiguredProviders(config.providers);
    this.storage =
      typeof config.storage === "string"
        ? StorageFactory.create(config.storage, config.storageConfig)
        : config.storage;
    this.#closing = new Closing(this.storage.name);
    const hooks = config.hooks && scopedHooks(config.hooks, this.#closing);
    this.#config = Object.freeze(hooks ? { ...config, hooks } : config);
    internals.set(this, {
      config: this.#config,
      providers: this.#providers,
      closing: this.#closing,
    });
    this.#rt = {
      storage: this.storage,
      config: this.#config,
      ...turnLocksOf(this.storage),
      holder: randomUUID(),
      closing: this.#closing,
      adapter: (name) => this.#providers.get(name),
      adapterNow: (name) => this.#providers.ready(name),
    };
  }

  /** Creates a session: `createSession(userId, provider, model, options?)` or `createSession({ ... })`. */
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
    const record = newSessionRecord(input, (name) => this.#providers.require(name));
    // `Closing.run`, spelled out: one promise less per session made.
    this.#closing.enter();
    try {
      return await this.#create(record);
    } finally {
      this.#closing.leave();
    }
  }

  async #create(record: SessionRecord): Promise<Session> {
    const adapter =
      this.#providers.ready(record.provider) ?? (await this.#providers.get(record.provider));
    adapter.validateConfig?.(record.providerConfig);
    if (adapter.createProviderSession) {
      record.providerSessionId =
        (await adapter.createProviderSession(providerInfo(record))) ?? null;
    }
    try {
      await this.storage.createSession(record);
    } catch (error) {
      if (!record.providerSessionId) throw error;
      // A connection lost at COMMIT hides whether the record was stored: the provider-side state
      // is dropped only when it is known not to be (else it would be orphaned), and kept while
      // that cannot be told (else the stored session would point at a deleted conversation).
      const outcome = await storedOutcome(this.storage, record);
      if (outcome === "absent") await dropProviderState({ adapter, session: providerInfo(record) });
      if (outcome !== "stored") throw error;
    }
    // Made before the hook: a change the hook makes (a switch) is then one it sees.
    const session = new Session(this.#rt, record);
    if (!this.#config.hooks) return session;
    const version = this.#rt.versions.of(record.sessionId);
    await callHook(this.#config.hooks, "onSessionCreated", record.sessionId);
    // Its getters too; if the read fails, its next turn reads the session anyway.
    if (this.#rt.versions.of(record.sessionId) !== version) await session.refresh().catch(noop);
    return session;
  }

  /** Finds a session; with `{ userId }`, a session of another user is reported as not found. */
  async getSession(sessionId: string, options?: { userId?: string }): Promise<Session> {
    const { userId } = knownOptions(options, ["userId"]);
    if (userId !== undefined) requireString("userId", userId);
    const mark = this.#rt.versions.mark();
    const record = await this.#record(sessionId);
    if (userId !== undefined && record.userId !== userId) {
      throw new SessionNotFoundError(sessionId);
    }
    return new Session(this.#rt, record, mark);
  }

  /** A user's sessions, newest activity first; pass `nextCursor` back as `cursor` for the next page. */
  async getUserSessions(userId: string, given?: ListSessionsOptions): Promise<SessionList> {
    requireString("userId", userId);
    const options = knownOptions(given, ["status", "limit", "cursor"]);
    const mark = this.#rt.versions.mark();
    const page = await this.storage.listSessions({
      userId,
      status: options.status === undefined ? undefined : requireStatus(options.status),
      limit: optionalLimit("limit", options.limit, MAX_PAGE, 1) ?? DEFAULT_PAGE,
      after: options.cursor === undefined ? undefined : decodeCursor(options.cursor),
    });
    const sessions = page.sessions.map((r) => new Session(this.#rt, r, mark));
    return Object.assign(sessions, { nextCursor: page.next ? encodeCursor(page.next) : null });
  }

  async archiveSession(sessionId: string): Promise<void> {
    requireString("sessionId", sessionId);
    await this.#closing.run(async () => {
      if (!(await this.storage.updateSession(sessionId, { status: "archived" }))) {
        throw new SessionNotFoundError(sessionId);
      }
      this.#rt.versions.bump(sessionId);
      await callHook(this.#config.hooks, "onSessionArchived", sessionId);
    });
  }

  /**
   * Deletes a session, its messages and its provider-side state. Returns false if it did not
   * exist. It does not wait for a turn in flight on it: that turn, and its `Session` objects
   * from then on, fail with `SessionNotFoundError` (also once a session is made anew under its
   * id by this manager). The session is deleted
   * from storage first, then its provider-side state (an OpenAI conversation): should that fail
   * (provider down, key revoked), the session is deleted all the same and a process warning
   * (`LANGSWARM_PROVIDER_CLEANUP_FAILED`) names the state left behind. So it does for a session
   * whose provider is no longer configured (its state cannot be reached without the provider's
   * credentials).
   */
  async deleteSession(sessionId: string): Promise<boolean> {
    requireString("sessionId", sessionId);
    return this.#closing.run(() => deleteSession(this.#rt, this.#providers, sessionId));
  }

  /**
   * Archives (default) or deletes the sessions with no activity for `maxInactiveHours`
   * (default 24). Archiving takes every status but `archived`; deleting takes every status, so a
   * later `{ action: "delete" }` run removes what an earlier run archived. `status` narrows it
   * to one status. Returns how many sessions were archived or deleted.
   *
   * Each session is acted on only if it still qualifies at that moment (checked atomically by
   * the storage): one that had a turn since the listing, or has one in flight, is skipped and not
   * counted. A delete whose provider-side state cannot be deleted is a process warning, as in
   * `deleteSession`. If the storage fails for some sessions, the run goes on with the others and
   * then throws a `StorageError` saying how many were cleaned up, with an `AggregateError` of
   * every failure as its `cause`; a listing that fails ends the run the same way.
   */
  async cleanupInactiveSessions(given?: CleanupOptions): Promise<number> {
    return cleanUpInactive(this.#rt, this.#providers, cleanupPlan(given));
  }

  /**
   * Closes the manager: no new turn, cleanup or other write starts (`StorageError`); writes already
   * asked for finish first (creating, archiving, deleting a session, `updateContext`), and turns
   * already asked for run, are stored and their hooks run first (a provider call in flight is waited for to its
   * end: each attempt bounded by `timeoutMs`, with its retries and any fallback); every stream in
   * progress, read or not, ends as if its signal were aborted (what arrived is stored); a cleanup
   * stops after the session it is at. A turn of this manager queued behind another manager's turn
   * on the same session (they share a storage object) is waited for with it. Then the providers
   * and the storage are closed (a storage object shared with other managers is closed for them
   * too): all of them even if one fails to, and then `close()` rejects with the first failure.
   * Called from a hook, it waits for every call but the one running that hook; the providers
   * and the storage then close once that call has ended too (a failure to is a process warning
   * `LANGSWARM_CLOSE_FAILED`, and what a later `close()` rejects with).
   */
  async close(): Promise<void> {
    const leftOut = await this.#closing.close();
    const shut = (this.#shut ??= this.#closing.drained().then(() => this.#shutDown()));
    if (leftOut && !this.#warnsOnFailure) {
      this.#warnsOnFailure = true; // once, however many hooks close
      shut.catch((error: unknown) => {
        process.emitWarning(`closing the manager failed: ${failureText(error)}`, {
          code: "LANGSWARM_CLOSE_FAILED",
        });
      });
    }
    if (!leftOut) return shut;
  }

  async #shutDown(): Promise<void> {
    throwFirst(
      await Promise.allSettled([
        this.#providers.close(() => this.#closing.refusal()),
        (async () => this.storage.close())(),
      ]),
    );
  }

  async #record(sessionId: string): Promise<SessionRecord> {
    const record = await this.storage.getSession(requireString("sessionId", sessionId));
    if (!record) throw new SessionNotFoundError(sessionId);
    return record;
  }
}

const noop = (): void => undefined;

/** What the V1 bridge checks a call against before it migrates (see `managerInternals`). */
const internals = new WeakMap<SessionManager, ManagerInternals>();

/** See `managerInternals`. */
export interface ManagerInternals {
  config: ManagerConfig;
  providers: ConfiguredProviders;
  /** What `close()` waits for: a bridge call that migrates runs in it (`closing.run`). */
  closing: Closing;
}

/**
 * @internal A manager's validated config and providers, for the V1 bridge to refuse what the
 * manager would refuse before it writes anything.
 */
export function managerInternals(manager: SessionManager): ManagerInternals {
  const found = internals.get(manager);
  if (!found) throw new TypeError("not a SessionManager made by createSessionManager");
  return found;
}

/**
 * Whether a new session's record is stored after its `createSession` failed: the one stored under
 * its id is it if it holds the conversation made for it.
 */
async function storedOutcome(
  storage: SessionStorage,
  record: SessionRecord,
): Promise<"stored" | "absent" | "unknown"> {
  try {
    const found = await storage.getSession(record.sessionId);
    return found?.providerSessionId === record.providerSessionId ? "stored" : "absent";
  } catch {
    return "unknown";
  }
}

/**
 * Creates a session manager. See `SessionManager`.
 *
 * ```ts
 * const manager = createSessionManager({ storage: "memory", providers: { mock: null } });
 * ```
 */
export function createSessionManager(options: ManagerOptionsInput = {}): SessionManager {
  return new SessionManager(options);
}
