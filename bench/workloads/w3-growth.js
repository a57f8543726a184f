/** W3: one session, 10,000 turns: the cost of the last 500 turns against the first 500. */
import { floorStore, libManager, LOCAL_BACKENDS } from "../backends.js";
import { gc, newId, result, round } from "../lib.js";

const TURNS = 10_000;
const WINDOW = 500;
// Turns on another session first, so the JIT is warm before the first window.
const WARM_UP = 1_000;
// A 500-turn window on memory or SQLite lasts 10-20 ms, so one burst of noise on the shared
// machine can swing a single run's ratio by a third: the run with the median ratio is reported.
// On Postgres a window lasts a few hundred ms, but the server shares the two cores: one run read
// 1.62 and the next 0.93 on the same build.
const RUNS = { memory: 15, sqlite: 5, postgres: 3 };

export async function w3(backends = LOCAL_BACKENDS) {
  const out = [];
  for (const backend of backends) {
    const runs = [];
    for (let i = 0; i < RUNS[backend]; i++) runs.push(await growth(backend));
    runs.sort((a, b) => a.last / a.first - b.last / b.first);
    const lib = runs[Math.floor(runs.length / 2)];
    const range = runs.map((r) => round(r.last / r.first, 2));
    out.push(
      result("W3", backend, "last 500 turns / first 500 turns (library)", {
        lib: lib.last,
        floor: lib.first,
        unit: "ms",
        limit: 1.2,
        note: runs.length > 1 ? `median of ${runs.length} runs: ${range.join(", ")}` : undefined,
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
  const warmUp = await manager.createSession("w3-warm-up", "mock", "m");
  for (let t = 0; t < WARM_UP; t++) await warmUp.sendMessage(`turn ${t}`);
  const session = await manager.createSession("w3-user", "mock", "m");
  const times = await windows((t) => session.sendMessage(`turn ${t}`));
  await dispose();
  return times;
}

async function floorGrowth(backend) {
  const floor = await floorStore(backend);
  const warmUp = newId();
  await floor.createSession(warmUp, "w3-warm-up");
  for (let t = 0; t < WARM_UP; t++) await floor.turn(warmUp, `turn ${t}`);
  const id = newId();
  await floor.createSession(id, "w3-user");
  const times = await windows((t) => floor.turn(id, `turn ${t}`));
  await floor.dispose();
  return times;
}

/**
 * Runs all turns, timing each; returns the cost of the first and the last 500 in ms. The slowest
 * 5% of each window are left out: they are WAL checkpoints and GC pauses, which come every few
 * hundred turns whatever the history's length, and would make a 500-turn window a lottery.
 */
async function windows(turn) {
  const times = [];
  for (let t = 0; t < TURNS; t++) {
    // Each window starts with no garbage owed, so neither pays for collections earned elsewhere.
    if (t === 0 || t === TURNS - WINDOW) gc();
    const start = process.hrtime.bigint();
    await turn(t);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { first: trimmedCost(times.slice(0, WINDOW)), last: trimmedCost(times.slice(-WINDOW)) };
}

function trimmedCost(window) {
  const kept = [...window].sort((a, b) => a - b).slice(0, Math.floor(window.length * 0.95));
  return (kept.reduce((sum, x) => sum + x, 0) * window.length) / kept.length;
}
