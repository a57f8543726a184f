// Runs history-aware turns on three sessions while its own Postgres connections are terminated
// (pg_terminate_backend) every 15 ms; prints "done" if the process lived through it.
//   node terminated.mjs <postgres url> <rounds>
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createSessionManager } from "../../dist/index.js";
import { MockProvider } from "../../dist/testing/index.js";

const [url, rounds] = [process.argv[2], Number(process.argv[3] ?? 150)];
const app = `lss_terminated_${process.pid}`;
const manager = createSessionManager({
  storage: "postgres",
  storageConfig: {
    connectionString: `${url}?application_name=${app}`,
    schema: `terminated_${process.pid}`,
    poolSize: 3,
  },
  providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs: 2 }) } },
  turnLeaseMs: 500,
});
const sessions = await Promise.all([1, 2, 3].map(() => manager.createSession("u", "mock", "m")));
let running = true;
const loops = sessions.map(async (session, k) => {
  for (let i = 0; running; i++) await session.sendMessage(`s${k}-${i}`).catch(() => undefined);
});
const admin = new pg.Client({ connectionString: url });
await admin.connect();
for (let i = 0; i < rounds; i++) {
  await sleep(15);
  await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    [app],
  );
}
running = false;
await Promise.all(loops);
await admin.end();
await manager.close();
console.log("done");
