// Freezes itself (SIGSTOP) inside the Postgres backend's transaction of a record update, right
// after it locked the session row: a paused VM, or a machine that vanished.
//   node freeze-in-tx.mjs <url> <schema> <sessionId>     prints "frozen" when it stops
import pg from "pg";
import { createSessionManager, postgresStorage } from "../../dist/index.js";

const [url, schema, sessionId] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 2 });
let armed = false;
pool.on("connect", (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    const text = typeof args[0] === "string" ? args[0] : (args[0]?.text ?? "");
    const result = query(...args);
    if (!armed || !/FOR NO KEY UPDATE/.test(text)) return result;
    return result.then((rows) => {
      process.stdout.write("frozen\n");
      process.kill(process.pid, "SIGSTOP");
      return rows;
    });
  };
});
const storage = postgresStorage({ pool, schema });
const manager = createSessionManager({ storage, providers: { mock: null } });
const session = await manager.getSession(sessionId);
armed = true;
await session.updateContext({ k: 1 });
