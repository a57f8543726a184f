import { ValidationError } from "../errors.js";
import { StorageFactory } from "../storage/factory.js";
import type { SessionStorage } from "../storage/types.js";

/** Where migrated sessions go: a storage instance, a SQLite path, or a Postgres URL. */
export type MigrationTarget = SessionStorage | string;

export interface OpenedTarget {
  storage: SessionStorage;
  /** Printable description, without credentials. */
  label: string;
  /** Closes the storage if this module opened it. */
  close(): Promise<void>;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

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
 * Opens a migration target: `postgres://…`/`postgresql://…` → Postgres, any other string → a
 * SQLite file (created if missing), a `SessionStorage` → used as is and left open.
 */
export function openTarget(target: MigrationTarget): OpenedTarget {
  if (typeof target === "string") {
    if (target.trim() === "") throw new ValidationError("target", "must not be empty");
    const postgres = POSTGRES_URL.test(target);
    const storage = postgres
      ? StorageFactory.create("postgres", { connectionString: target })
      : StorageFactory.create("sqlite", { dbPath: target });
    return {
      storage,
      label: postgres ? describeUrl(target) : `sqlite:${target}`,
      close: () => storage.close(),
    };
  }
  if (!isSessionStorage(target)) {
    throw new ValidationError(
      "target",
      "must be a SessionStorage, a SQLite path or a Postgres URL",
    );
  }
  return { storage: target, label: `storage:${target.name}`, close: async () => undefined };
}

/** Query parameters of a Postgres URL that hold credentials (`?password=…` works in pg). */
const SECRET_PARAM = /pass|secret|key|token|cert/i;

/** A Postgres URL without its password, for reports and logs. */
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
