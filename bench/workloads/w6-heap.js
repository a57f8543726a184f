/** W6: heap bytes per stored short message in the memory store, 10,000 sessions × 10 turns. */
import { createSessionManager, memoryStorage } from "../../dist/index.js";
import { mapFloor } from "../floors.js";
import { gc, newId, result } from "../lib.js";

const SESSIONS = 10_000;
const TURNS = 10;

export async function w6() {
  const floor = await heapPerMessage(async () => {
    const f = mapFloor();
    for (let s = 0; s < SESSIONS; s++) {
      const id = newId();
      f.createSession(id, `user_${s % 1000}`);
      for (let t = 0; t < TURNS; t++) f.turn(id, `Hello ${t}!`);
    }
    return f;
  });
  const lib = await heapPerMessage(async () => {
    const manager = createSessionManager({ storage: memoryStorage(), providers: { mock: {} } });
    for (let s = 0; s < SESSIONS; s++) {
      const session = await manager.createSession(`user_${s % 1000}`, "mock", "m");
      for (let t = 0; t < TURNS; t++) await session.sendMessage(`Hello ${t}!`);
    }
    return manager;
  });
  return [
    result("W6", "memory", "heap bytes per stored message (sessions included)", {
      lib,
      floor,
      unit: "B",
      limit: undefined,
      note: "limit is absolute: at most 250 B per message",
    }),
    { ...result("W6", "memory", "absolute limit check", { lib, unit: "B", limit: 250 }) },
  ];
}

/** Heap growth per stored message while the store built by `build` is alive. */
async function heapPerMessage(build) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep = await build();
  gc();
  const after = process.memoryUsage().heapUsed;
  const bytes = (after - before) / (SESSIONS * TURNS * 2);
  if (!keep) throw new Error("store was not kept alive");
  return bytes;
}
