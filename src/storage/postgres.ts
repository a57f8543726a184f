import { StorageError } from "../errors.js";
import type { SessionStorage } from "./types.js";

export interface PostgresStorageOptions {
  connectionString?: string;
  poolSize?: number;
  pool?: unknown;
  schema?: string;
}

/** Placeholder until the Postgres backend lands (issue 4); refuses clearly instead of pretending. */
export function postgresStorage(_options: PostgresStorageOptions = {}): SessionStorage {
  throw new StorageError("postgres", "the Postgres backend is not built yet");
}
