/** W1, the migration guide's own test: 100 sessions × 10 messages with the mock provider. */
import { floorStore, libManager, LOCAL_BACKENDS } from "../backends.js";
import { newId, paired, result } from "../lib.js";

const SESSIONS = 100;
const TURNS = 10;
const LIMITS = { memory: 2, sqlite: 1.3 };

export async function w1() {
  const out = [];
  for (const backend of LOCAL_BACKENDS) {
    const { libMs, floorMs } = await paired(
      9,
      () => libRound(backend),
      () => floorRound(backend),
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
  return out;
}

async function libRound(backend) {
  const { manager, dispose } = libManager(backend);
  for (let s = 0; s < SESSIONS; s++) {
    const session = await manager.createSession(`user_${s % 10}`, "mock", "gpt-4");
    for (let t = 0; t < TURNS; t++) await session.sendMessage(`Hello ${t}!`);
  }
  await dispose();
}

async function floorRound(backend) {
  const floor = floorStore(backend);
  for (let s = 0; s < SESSIONS; s++) {
    const id = newId();
    floor.createSession(id, `user_${s % 10}`);
    for (let t = 0; t < TURNS; t++) floor.turn(id, `Hello ${t}!`);
  }
  await floor.dispose();
}
