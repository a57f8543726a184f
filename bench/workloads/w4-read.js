/** W4: a 20,000-message session: read all of it, and the newest 50. */
import { floorStore, libManager, LOCAL_BACKENDS } from "../backends.js";
import { gc, newId, paired, result } from "../lib.js";

const TURNS = 10_000;
const LIMIT = 1.5;

export async function w4(backends = LOCAL_BACKENDS) {
  const out = [];
  for (const backend of backends) {
    const { manager, dispose } = libManager(backend);
    const session = await manager.createSession("w4-user", "mock", "m");
    for (let t = 0; t < TURNS; t++) await session.sendMessage(`turn ${t}`);
    const floor = await floorStore(backend);
    const id = newId();
    await floor.createSession(id, "w4-user");
    for (let t = 0; t < TURNS; t++) await floor.turn(id, `turn ${t}`);

    const newest = await paired(
      51,
      () => session.getMessages({ limit: 50 }),
      () => floor.newest(id, 50),
    );
    out.push(
      result("W4", backend, "newest 50 of 20,000 messages", {
        lib: newest.libMs,
        floor: newest.floorMs,
        unit: "ms",
        limit: LIMIT,
      }),
    );
    // 40,000 fresh objects a read: each starts after a full GC, or a collection of the
    // previous read's garbage lands in whichever read comes next.
    const all = await paired(
      21,
      () => session.getMessages(),
      () => floor.newest(id),
      1,
      gc,
    );
    out.push(
      result("W4", backend, "all 20,000 messages", {
        lib: all.libMs,
        floor: all.floorMs,
        unit: "ms",
      }),
    );
    await dispose();
    await floor.dispose();
  }
  return out;
}
