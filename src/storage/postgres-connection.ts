import type { Pool, PoolClient } from "pg";
import { SessionError, StorageError, ValidationError } from "../errors.js";
import { importLib } from "../internal/lazy.js";
import { registerSecret } from "../internal/redact.js";

/** The Postgres backend's connections: the pool, the retry rule, and its errors. */

const NAME = "postgres";

export async function createPool(connectionString: string | undefined, max = 10): Promise<Pool> {
  const { default: pg } = await importLib(
    "pg",
    () => import("pg"),
    (message, cause) => new StorageError(NAME, message, { cause }),
  );
  const pool = new pg.Pool({
    connectionString,
    max,
    keepAlive: true,
    fallback_application_name: "langswarm-session",
  });
  // An idle connection that dies (restart, failover, network) is reported here; the pool drops
  // it and opens a new one when needed. Without a listener the process would crash.
  pool.on("error", () => undefined);
  // So is one that dies while handed out, or between the two (the pool's own listener is gone
  // then): the query it runs, or the next, reports the loss. One listener for its whole life.
  pool.on("connect", (client) => client.on("error", ignoreError));
  return pool;
}

const ignoreError = (): void => undefined;

/** Runs `fn` on a pooled connection; `closing` fails a call still waiting for one. */
export async function withClient<T>(
  pool: Pool,
  fn: (c: PoolClient) => Promise<T>,
  closing?: AbortSignal,
): Promise<T> {
  const c = await connect(pool, closing);
  // A pool the caller gave has no listener of ours on its connections: add one, for good.
  if (c.listenerCount("error") === 0) c.on("error", ignoreError);
  let lost: Error | undefined;
  try {
    return await fn(c);
  } catch (error) {
    if (isConnectionLoss(error) || error instanceof OutcomeUnknown) lost = error as Error;
    throw error;
  } finally {
    c.release(lost); // with an error the connection is closed, not pooled
  }
}

/** A pooled connection; rejected if `closing` fires first (`pool.end()` leaves waiters hanging). */
function connect(pool: Pool, closing: AbortSignal | undefined): Promise<PoolClient> {
  if (!closing) return pool.connect();
  if (closing.aborted) return Promise.reject(closedError());
  const connecting = pool.connect();
  return new Promise((resolve, reject) => {
    const onClose = (): void => {
      reject(closedError());
      connecting.then(
        (c) => c.release(),
        () => undefined,
      ); // arrives later: back to the pool
    };
    closing.addEventListener("abort", onClose, { once: true });
    connecting.then(
      (c) => {
        closing.removeEventListener("abort", onClose);
        resolve(c);
      },
      (error: unknown) => {
        closing.removeEventListener("abort", onClose);
        reject(error);
      },
    );
  });
}

function closedError(): StorageError {
  return new StorageError(NAME, "the storage was closed while the call waited for a connection");
}

/** Runs `fn`, and once more if the connection was lost or refused. */
export async function once<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isConnectionLoss(error)) throw error;
    return fn();
  }
}

/** A write whose COMMIT may or may not have happened: never retried blindly. */
export class OutcomeUnknown extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}, so whether the change was stored is unknown`, { cause });
  }
}

// Server gone (admin shutdown, crash, starting up) or connection broken, refused or reset.
const LOST = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006"]);
const LOST_SOCKET = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);

export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (LOST.has(code) || LOST_SOCKET.has(code))) return true;
  if (/Connection terminated|encountered a connection error/.test(error.message)) return true;
  return error instanceof AggregateError && error.errors.some(isConnectionLoss);
}

/** pg's refusal of a query on a client whose connection ended: the query was never sent. */
export function isRefusedUnsent(error: unknown): boolean {
  return error instanceof Error && /is not queryable/.test(error.message);
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === "23505";
}

export function onUnique(field: string, reason: string): (error: unknown) => never {
  return (error) => {
    if (isUniqueViolation(error)) throw new ValidationError(field, reason);
    throw error;
  };
}

/** Raw driver errors become `StorageError`s that say what failed; the library's own pass through. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new StorageError(NAME, `${what} failed: ${explain(error)}`, { cause: error });
  }
}

function explain(error: unknown): string {
  if (error instanceof OutcomeUnknown) return `${error.message} (${detail(error.cause)})`;
  return isConnectionLoss(error)
    ? `the connection to Postgres was lost or refused, and again on the retry (${detail(error)})`
    : detail(error);
}

function detail(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" && message ? message : String(error);
  return typeof code === "string" && !text.includes(code) ? `${text} [${code}]` : text;
}

/** Keeps the connection string and its password out of every error message. */
export function hideSecrets(connectionString: string | undefined): void {
  if (!connectionString) return;
  registerSecret(connectionString);
  try {
    const { password } = new URL(connectionString);
    registerSecret(password);
    registerSecret(decodeURIComponent(password));
  } catch {
    // not a URL (pg also takes a socket path): nothing more to hide
  }
}
