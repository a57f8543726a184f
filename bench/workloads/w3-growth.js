/** W3: one session, 10,000 turns: the cost of the last 500 turns against the first 500. */
import { floorStore, libManager, LOCAL_BACKENDS } from "../backends.js";
import { newId, result } from "../lib.js";

const TURNS = 10_000;
const WINDOW = 500;

export async function w3(backends = LOCAL_BACKENDS) {
  const out = [];
  for (const backend of backends) {
    const lib = await growth(backend);
    out.push(
      result("W3", backend, "last 500 turns / first 500 turns (library)", {
        lib: lib.last,
        floor: lib.first,
        unit: "ms",
        limit: 1.2,
      }),
    );
    const floor = await floorGrowth(backend);
    out.push(
      result("W3", backend, "last 500 / first 500 (floor, for reference)", {
        lib: floor.last,
        floor: floor.first,
        unit: "ms",
      }),
      result("W3", backend, "library growth / floor growth", {
        lib: lib.last / lib.first,
        floor: floor.last / floor.first,
        unit: "x",
        note: "growth the library adds beyond the driver's own",
      }),
    );
  }
  return out;
}

async function growth(backend) {
  const { manager, dispose } = libManager(backend);
  const session = await manager.createSession("w3-user", "mock", "m");
  const times = await windows((t) => session.sendMessage(`turn ${t}`));
  await dispose();
  return times;
}

async function floorGrowth(backend) {
  const floor = await floorStore(backend);
  const id = newId();
  await floor.createSession(id, "w3-user");
  const times = await windows((t) => floor.turn(id, `turn ${t}`));
  await floor.dispose();
  return times;
}

/** Runs all turns; returns the time of the first and the last window (median of 3 sub-windows). */
async function windows(turn) {
  const marks = [];
  for (let t = 0; t < TURNS; t++) {
    if (t % (WINDOW / 5) === 0) marks.push(process.hrtime.bigint());
    await turn(t);
  }
  marks.push(process.hrtime.bigint());
  const slice = (i) => Number(marks[i + 1] - marks[i]) / 1e6;
  const per = marks.length - 1;
  const first = [1, 2, 3, 4].map(slice).sort((a, b) => a - b);
  const last = [per - 4, per - 3, per - 2, per - 1].map(slice).sort((a, b) => a - b);
  // Five sub-windows of 100 turns make each 500-turn window; the first sub-window is warm-up.
  return { first: (first[1] + first[2]) * 2.5, last: (last[1] + last[2]) * 2.5 };
}
