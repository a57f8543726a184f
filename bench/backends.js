/** The library on each backend, and the matching floor, created fresh for a workload round. */
import { join } from "node:path";
import {
  createSessionManager,
  memoryStorage,
  postgresStorage,
  sqliteStorage,
} from "../dist/index.js";
import { mapFloor, sqliteFloor } from "./floors.js";
import { newId, tempDir } from "./lib.js";
import { pgFloor } from "./pg-floor.js";

export const LOCAL_BACKENDS = ["memory", "sqlite"];

/** Set by the Postgres workload once its server is up. */
export const postgres = { url: "" };

/** A manager with the mock provider (no latency) on `backend`, plus a `dispose`. */
export function libManager(backend) {
  const dir = backend === "sqlite" ? tempDir("bench-lib") : null;
  const schema = `bench_${newId()
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()}`;
  const storage =
    backend === "sqlite"
      ? sqliteStorage({ dbPath: join(dir.dir, "s.db") })
      : backend === "postgres"
        ? postgresStorage({ connectionString: postgres.url, schema, poolSize: 4 })
        : memoryStorage();
  const manager = createSessionManager({ storage, providers: { mock: {} } });
  return {
    manager,
    storage,
    async dispose() {
      await manager.close();
      dir?.remove();
    },
  };
}

/** The floor for `backend` (see floors.js and pg-floor.js), plus a `dispose`. */
export async function floorStore(backend) {
  if (backend === "postgres") return pgFloor(postgres.url, `floor_${process.pid}`);
  if (backend === "memory") {
    const f = mapFloor();
    return { ...f, dispose: async () => f.close() };
  }
  const dir = tempDir("bench-floor");
  const f = sqliteFloor(join(dir.dir, "f.db"));
  return {
    ...f,
    dispose: async () => {
      f.close();
      dir.remove();
    },
  };
}
