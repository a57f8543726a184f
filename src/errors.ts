import { redact } from "./internal/redact.js";
import type { SpentAttempt } from "./providers/types.js";

/** Stable machine-readable codes; never change one once released. */
export type SessionErrorCode =
  | "SESSION_ERROR"
  | "SESSION_NOT_FOUND"
  | "PROVIDER_ERROR"
  | "STORAGE_ERROR"
  | "VALIDATION_ERROR"
  | "CONCURRENCY_ERROR";

/**
 * Base class of every error this library throws. Branch on `code` (stable) or `instanceof`.
 *
 * ```ts
 * try { await manager.getSession(id) } catch (e) { if (e instanceof SessionError) console.log(e.code) }
 * ```
 */
export class SessionError extends Error {
  readonly code: SessionErrorCode;

  constructor(message: string, options: { code?: SessionErrorCode; cause?: unknown } = {}) {
    // Messages can quote provider bodies or user config: scrub keys before they are kept anywhere.
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? "SESSION_ERROR";
  }
}

export class SessionNotFoundError extends SessionError {
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(`[session] session not found: ${sessionId}`, { code: "SESSION_NOT_FOUND" });
    this.sessionId = sessionId;
  }
}

export class ProviderError extends SessionError {
  readonly provider: string;
  /** HTTP status, or null for a connection failure or timeout. */
  readonly status: number | null;
  readonly retryable: boolean;
  /**
   * What the API billed for the failed call, each attempt at its own model (a stream that broke
   * after the prompt was counted; a response that failed with its usage): the turn counts it.
   * An adapter of your own may set it too. Empty when nothing was billed.
   */
  readonly spent: readonly SpentAttempt[];

  constructor(
    provider: string,
    message: string,
    options: {
      status?: number | null;
      retryable?: boolean;
      cause?: unknown;
      spent?: readonly SpentAttempt[];
    } = {},
  ) {
    super(`[session] [${provider}] ${message}`, { code: "PROVIDER_ERROR", cause: options.cause });
    this.provider = provider;
    this.status = options.status ?? null;
    this.retryable = options.retryable ?? false;
    this.spent = options.spent ?? [];
  }
}

export class StorageError extends SessionError {
  readonly backend: string;

  constructor(backend: string, message: string, options: { cause?: unknown } = {}) {
    super(`[session] [${backend}] ${message}`, { code: "STORAGE_ERROR", cause: options.cause });
    this.backend = backend;
  }
}

export class ValidationError extends SessionError {
  /** Dotted path of the offending field, e.g. `storageConfig.poolSize`. */
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`[session] invalid ${field}: ${reason}`, { code: "VALIDATION_ERROR" });
    // Scrubbed like the message: a logger that serialises the error prints these too.
    this.field = redact(field);
    this.reason = redact(reason);
  }
}

export class ConcurrencyError extends SessionError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`[session] ${message}`, { code: "CONCURRENCY_ERROR", cause: options.cause });
  }
}
