/**
 * The Postgres workloads: W1 and W3 against raw `pg` (same inserts and update, one transaction
 * per turn), W4 and W5, and scale-out over 1, 2 and 4 app processes sharing one database.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { postgres } from "../backends.js";
import { result } from "../lib.js";
import { startPostgres } from "../pg-server.js";
import { w1 } from "./w1-guide.js";
import { w3 } from "./w3-growth.js";
import { w4 } from "./w4-read.js";
import { w5 } from "./w5-list.js";

const SCALE_MS = 8_000;

export async function pgWorkloads() {
  const server = await startPostgres();
  postgres.url = server.url;
  try {
    const out = [...(await w1(["postgres"], 5)), ...(await w3(["postgres"]))];
    out.push(...(await w4(["postgres"])), ...(await w5(["postgres"])));
    out.push(...(await scaleOut(server.url)));
    return out;
  } finally {
    await server.stop();
  }
}

async function scaleOut(url) {
  const rate = {};
  for (const n of [1, 2, 4]) rate[n] = (await runInstances(url, n)) / (SCALE_MS / 1000);
  return [1, 2, 4].map((n) =>
    result("scale-out", "postgres", `turns/s with ${n} app process(es), 20 sessions each`, {
      lib: rate[n],
      floor: n === 1 ? undefined : rate[1],
      unit: "turns/s",
      limit: undefined,
      note: n === 4 ? "target: 4 processes at least 2.5x one (ratio ≥ 2.5)" : undefined,
    }),
  );
}

/** Starts `n` workers, lets them set up, starts them together, and sums their turns. */
async function runInstances(url, n) {
  const schema = `scale_${n}_${process.pid}`;
  const workers = Array.from({ length: n }, () =>
    spawn(process.execPath, ["bench/pg-worker.js", url, schema, String(SCALE_MS)], {
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const outputs = workers.map((w) => createInterface({ input: w.stdout })[Symbol.asyncIterator]());
  for (const o of outputs) if ((await o.next()).value !== "ready") throw new Error("worker failed");
  for (const w of workers) w.stdin.write("go\n");
  let total = 0;
  for (const o of outputs) total += Number(String((await o.next()).value).split(" ")[1]);
  return total;
}
