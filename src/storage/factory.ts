import {
  MemoryConfig,
  parseOrThrow,
  PostgresConfig,
  SqliteConfig,
  type StorageConfig,
} from "../config.js";
import { ValidationError } from "../errors.js";
import { memoryStorage } from "./memory.js";
import { postgresStorage } from "./postgres.js";
import { sqliteStorage } from "./sqlite.js";
import type { SessionStorage } from "./types.js";

export type StorageName = "memory" | "sqlite" | "postgres";

// Each backend loads its driver (better-sqlite3, pg) lazily on first use, so importing them
// here costs nothing for users of the other backends.
const BACKENDS: Record<StorageName, (config: StorageConfig) => SessionStorage> = {
  memory: (c) => memoryStorage(parseOrThrow(MemoryConfig, c, "storageConfig", "memory storage")),
  sqlite: (c) => sqliteStorage(parseOrThrow(SqliteConfig, c, "storageConfig", "sqlite storage")),
  postgres: (c) =>
    postgresStorage(parseOrThrow(PostgresConfig, c, "storageConfig", "postgres storage")),
};

/**
 * Creates a storage backend by name, as the Python original's `StorageFactory.create`.
 *
 * ```ts
 * const storage = StorageFactory.create("sqlite", { dbPath: "sessions.db" });
 * ```
 */
export const StorageFactory = {
  names: Object.keys(BACKENDS) as StorageName[],
  create(name: StorageName, config: StorageConfig = {}): SessionStorage {
    // One signature, so that a name chosen at run time type-checks; the backend refuses keys
    // that are not its own.
    const create = Object.hasOwn(BACKENDS, name) ? BACKENDS[name] : undefined;
    if (!create) throw new ValidationError("storage", `unknown storage "${String(name)}"`);
    return create(config);
  },
};
