/**
 * The Postgres workloads: W1 and W3 against raw `pg` (same inserts and update, one transaction
 * per turn), W4 and W5, and scale-out over 1, 2 and 4 app processes sharing one database.
 */
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { postgres } from "../backends.js";
import { result } from "../lib.js";
import { freshDatabase, startPostgres } from "../../.tmp/bench-build/test/helpers/postgres.js";
import { w1 } from "./w1-guide.js";
import { w3 } from "./w3-growth.js";
import { w4 } from "./w4-read.js";
import { w5 } from "./w5-list.js";

const SCALE_MS = 8_000;

export async function pgWorkloads() {
  const server = await startPostgres({ durable: true });
  postgres.url = await freshDatabase(server.url);
  try {
    const out = [...(await w1(["postgres"], 5)), ...(await w3(["postgres"]))];
    out.push(...(await w4(["postgres"])), ...(await w5(["postgres"])));
    out.push(...(await scaleOut(server.url)));
    return out;
  } finally {
    await server.destroy();
  }
}

async function scaleOut(url) {
  const runs = {};
  for (const n of [1, 2, 4]) runs[n] = await runInstances(url, n);
  const rate = (n) => runs[n].turns / (SCALE_MS / 1000);
  return [1, 2, 4].map((n) =>
    result("scale-out", "postgres", `turns/s with ${n} app process(es), 20 sessions each`, {
      lib: rate(n),
      floor: n === 1 ? undefined : rate(1),
      unit: "turns/s",
      note: `machine CPU busy ${Math.round(runs[n].busy * 100)}% (2 cores: app processes and Postgres)`,
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
  const before = cpuTimes();
  for (const w of workers) w.stdin.write("go\n");
  let turns = 0;
  for (const o of outputs) turns += Number(String((await o.next()).value).split(" ")[1]);
  const after = cpuTimes();
  return { turns, busy: (after.busy - before.busy) / (after.total - before.total) };
}

/** Busy and total CPU time of the whole machine so far, in ms. */
function cpuTimes() {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}
