/** The library on each backend, and the matching floor, created fresh for a workload round. */
import { join } from "node:path";
import { createSessionManager, memoryStorage, sqliteStorage } from "../dist/index.js";
import { mapFloor, sqliteFloor } from "./floors.js";
import { tempDir } from "./lib.js";

export const LOCAL_BACKENDS = ["memory", "sqlite"];

/** A manager with the mock provider (no latency) on `backend`, plus a `dispose`. */
export function libManager(backend) {
  const dir = backend === "sqlite" ? tempDir("bench-lib") : null;
  const storage =
    backend === "sqlite" ? sqliteStorage({ dbPath: join(dir.dir, "s.db") }) : memoryStorage();
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

/** The floor for `backend` (see floors.js), plus a `dispose`. */
export function floorStore(backend) {
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
