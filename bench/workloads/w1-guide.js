/** W1, the migration guide's own test: 100 sessions × 10 messages with the mock provider. */
import { floorStore, libManager, LOCAL_BACKENDS } from "../backends.js";
import { essentialStore } from "../essential.js";
import { newId, paired, result } from "../lib.js";

const SESSIONS = 100;
const TURNS = 10;
const LIMITS = { memory: 2, sqlite: 1.3, postgres: 1.5 };

export async function w1(backends = LOCAL_BACKENDS, rounds = 9) {
  const out = [];
  for (const backend of backends) {
    const { libMs, floorMs } = await paired(
      rounds,
      () => libRound(backend),
      () => floorRound(backend),
      20,
    );
    const perTurn = (ms) => (ms * 1000) / (SESSIONS * TURNS);
    out.push(
      result("W1", backend, "µs per turn (incl. session creation)", {
        lib: perTurn(libMs),
        floor: perTurn(floorMs),
        unit: "µs",
        limit: LIMITS[backend],
      }),
    );
  }
  if (!backends.includes("memory")) return out;
  const serial = await paired(
    9,
    () => libRound("memory"),
    () => floorRound("memory", true),
  );
  out.push(
    result("W1", "memory", "µs per turn vs a Map behind an async, per-session-locked turn", {
      lib: (serial.libMs * 1000) / (SESSIONS * TURNS),
      floor: (serial.floorMs * 1000) / (SESSIONS * TURNS),
      unit: "µs",
      note: "reference: the least any async API with serialised turns pays",
    }),
  );
  const essential = await paired(9, essentialRound, () => floorRound("memory"), 20);
  out.push(
    result("W1", "memory", "µs per turn of the issue's work alone, flat (reference)", {
      lib: (essential.libMs * 1000) / (SESSIONS * TURNS),
      floor: (essential.floorMs * 1000) / (SESSIONS * TURNS),
      unit: "µs",
      note: "bench/essential.js: what the work costs without the library's layers",
    }),
  );
  return out;
}

async function essentialRound() {
  const store = essentialStore();
  for (let s = 0; s < SESSIONS; s++) {
    const id = await store.createSession(`user_${s % 10}`, "mock", "gpt-4");
    for (let t = 0; t < TURNS; t++) await store.sendMessage(id, `Hello ${t}!`);
  }
}

async function libRound(backend) {
  const { manager, dispose } = libManager(backend);
  for (let s = 0; s < SESSIONS; s++) {
    const session = await manager.createSession(`user_${s % 10}`, "mock", "gpt-4");
    for (let t = 0; t < TURNS; t++) await session.sendMessage(`Hello ${t}!`);
  }
  await dispose();
}

async function floorRound(backend, serialised = false) {
  const floor = await floorStore(backend);
  const turn = serialised ? lockedTurn(floor) : floor.turn;
  for (let s = 0; s < SESSIONS; s++) {
    const id = newId();
    await floor.createSession(id, `user_${s % 10}`);
    for (let t = 0; t < TURNS; t++) await turn(id, `Hello ${t}!`);
  }
  await floor.dispose();
}

/** The floor's turn behind a per-session promise chain and an async provider call. */
function lockedTurn(floor) {
  const tails = new Map();
  const provider = async (content) => content;
  return (id, content) => {
    const run = (tails.get(id) ?? Promise.resolve()).then(async () =>
      floor.turn(id, await provider(content)),
    );
    tails.set(id, run);
    return run;
  };
}
