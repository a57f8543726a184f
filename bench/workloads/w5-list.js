/** W5: 10,000 sessions over 1,000 users: list one user's sessions. */
import { floorStore, libManager, LOCAL_BACKENDS } from "../backends.js";
import { newId, paired, result } from "../lib.js";

const SESSIONS = 10_000;
const USERS = 1_000;

export async function w5(backends = LOCAL_BACKENDS) {
  const out = [];
  for (const backend of backends) {
    const { manager, dispose } = libManager(backend);
    const floor = await floorStore(backend);
    for (let s = 0; s < SESSIONS; s++) {
      await manager.createSession(`user_${s % USERS}`, "mock", "m");
      await floor.createSession(newId(), `user_${s % USERS}`);
    }
    let u = 0;
    const { libMs, floorMs } = await paired(
      201,
      () => manager.getUserSessions(`user_${u++ % USERS}`),
      () => floor.listByUser(`user_${u % USERS}`),
    );
    out.push(
      result("W5", backend, "list one user's 10 sessions", {
        lib: libMs * 1000,
        floor: floorMs * 1000,
        unit: "µs",
        limit: backend === "memory" ? undefined : 2,
        note: backend === "memory" ? "limit is absolute: under 50 µs" : undefined,
      }),
    );
    if (backend === "memory") {
      out.push(
        result("W5", backend, "absolute check", { lib: libMs * 1000, unit: "µs", limit: 50 }),
      );
    }
    await dispose();
    await floor.dispose();
  }
  return out;
}
