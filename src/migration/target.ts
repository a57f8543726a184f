import { ValidationError } from "../errors.js";
import { isPostgresUrl, POSTGRES_SCHEME } from "../internal/postgres-url.js";
import { StorageFactory } from "../storage/factory.js";
import { closeForcibly } from "../storage/postgres.js";
import type { SessionStorage } from "../storage/types.js";

/** Where migrated sessions go: a storage instance, a SQLite path, or a Postgres URL. */
export type MigrationTarget = SessionStorage | string;

export interface OpenedTarget {
  storage: SessionStorage;
  /** Printable description, without credentials. */
  label: string;
  /** Closes the storage if this module opened it. */
  close(): Promise<void>;
  /**
   * Closes it after an abort: a call given up on a Postgres server that does not answer still
   * holds its connection, which `close()` would wait for, for good (and with it the caller's
   * process); this ends that connection, and the call fails in the background.
   */
  closeAfterAbort(): Promise<void>;
}

/**
 * A target that reads as a URL: a scheme (two characters at least: "C:" is a Windows drive), then
 * "//" or, further on, a query ("file:x.db?mode=ro"). No sensible file name is written so, and
 * "./name" still reaches one that is.
 */
const URL_LIKE = /^[a-z][a-z0-9+.-]+:(?:\/\/|[^]*\?)/i;

export function isSessionStorage(value: unknown): value is SessionStorage {
  return (
    typeof value === "object" &&
    value !== null &&
    ["createSession", "getSession", "appendMessages", "getMessages"].every(
      (m) => typeof (value as Record<string, unknown>)[m] === "function",
    )
  );
}

/**
 * Opens a migration target: a postgres://, postgresql:// or socket: URL → Postgres, any other
 * string → a SQLite file (created if missing), a `SessionStorage` → used as is and left open.
 */
export function openTarget(target: MigrationTarget): OpenedTarget {
  if (typeof target === "string") {
    const postgres = targetKind(target) === "postgres";
    const storage = postgres
      ? StorageFactory.create("postgres", { connectionString: target })
      : StorageFactory.create("sqlite", { dbPath: target });
    return {
      storage,
      label: postgres ? describeUrl(target) : `sqlite:${target}`,
      close: () => storage.close(),
      closeAfterAbort: () => closeForcibly(storage) ?? storage.close(),
    };
  }
  if (!isSessionStorage(target)) {
    throw new ValidationError(
      "target",
      "must be a SessionStorage, a SQLite path or a Postgres URL",
    );
  }
  const leftOpen = async (): Promise<void> => undefined;
  return {
    storage: target,
    label: `storage:${target.name}`,
    close: leftOpen,
    closeAfterAbort: leftOpen,
  };
}

/**
 * Closes what `openTarget` opened once a run is over. After an abort, a call given up on may still
 * hold a connection: it is ended (see `closeAfterAbort`), and a failure to close is of no interest.
 */
export async function closeTarget(
  target: OpenedTarget | null,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!target) return;
  if (signal?.aborted) await target.closeAfterAbort().catch(() => undefined);
  else await target.close();
}

/**
 * What a target string names: a database pg can open, or a SQLite file. Any other URL
 * (SQLAlchemy's `postgresql+psycopg2://`, `sqlite:///`) is refused rather than opened as a file
 * named after it, which would put its password in the error and the report; the error never
 * quotes it.
 */
export function targetKind(target: string): "postgres" | "sqlite" {
  if (target.trim() === "") throw new ValidationError("target", "must not be empty");
  if (isPostgresUrl(target)) return "postgres";
  if (POSTGRES_SCHEME.test(target)) {
    throw new ValidationError("target", "is not a valid postgres://, postgresql:// or socket: URL");
  }
  if (URL_LIKE.test(target)) {
    throw new ValidationError(
      "target",
      "is a URL of a kind not supported: give a postgres://, postgresql:// or socket: URL, or " +
        "a SQLite file (one whose name reads as a URL as ./name)",
    );
  }
  return "sqlite";
}

/** Query parameters of a Postgres URL that hold credentials (`?password=…` works in pg). */
const SECRET_PARAM = /pass|secret|key|token|cert/i;

/** A Postgres URL without its password or secret query values, for reports and logs. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    for (const name of [...parsed.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "");
    }
    parsed.hash = "";
    return parsed.toString();
  } catch {
    return "postgres";
  }
}
