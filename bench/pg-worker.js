/**
 * One app instance for the scale-out workload: a manager on the shared Postgres, 20 sessions
 * (mock provider). Prints "ready", waits for "go" on stdin, sends turns on all 20 sessions at once
 * for the given time, then prints the number of turns done.
 */
import { createInterface } from "node:readline";
import { createSessionManager } from "../dist/index.js";

const [url, schema, durationMs] = process.argv.slice(2);
const manager = createSessionManager({
  storage: "postgres",
  storageConfig: { connectionString: url, schema, poolSize: 10 },
  providers: { mock: {} },
});
const sessions = [];
for (let i = 0; i < 20; i++)
  sessions.push(await manager.createSession(`u${process.pid}`, "mock", "m"));
console.log("ready");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === "go") break;
const end = Date.now() + Number(durationMs);
let turns = 0;
await Promise.all(
  sessions.map(async (s) => {
    while (Date.now() < end) {
      await s.sendMessage("hello");
      turns++;
    }
  }),
);
console.log(`turns ${turns}`);
await manager.close();
process.exit(0);
