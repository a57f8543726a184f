// A Postgres target that accepts the TCP connection but never answers (wrong port pointing at
// another service, a stuck server or proxy): pg has no connect or query timeout here, so the run
// waits forever on its first look-up. Aborting its `signal` (the CLI's Ctrl+C) is only checked
// between sessions, so it does not stop it either: no MigrationAbortedError, no report.
import { createServer, type Socket } from "node:net";
import { afterAll, expect, it } from "vitest";
import { MigrationAbortedError, migrateV1, verifyMigration } from "../../src/migration/index.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("r12-silent-pg-");
const sockets: Socket[] = [];
const server = createServer((s) => void sockets.push(s)); // accepts, never answers
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  tmp.cleanup();
});

it("an aborted signal stops a run whose Postgres target never answers", async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const source = tmp.path("v1.db");
  const db = openV1Database(source);
  insertV1Rows(db, [
    v1Row({
      session_id: "s1",
      messages: [{ id: "m1", role: "user", content: "hi", timestamp: "2024-01-01T00:00:00" }],
    }),
  ]);
  db.close();

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1000); // the user's Ctrl+C, a second in
  const run = migrateV1({
    source,
    target: `postgres://u:pw@127.0.0.1:${port}/db`,
    timezone: "UTC",
    signal: controller.signal,
  }).then(
    () => "resolved",
    (e: unknown) => e,
  );
  const outcome = await Promise.race([
    run,
    new Promise((r) => setTimeout(() => r("still running 10 s later"), 10_000)),
  ]);
  expect(outcome).toBeInstanceOf(MigrationAbortedError); // today: "still running 10 s later"
}, 30_000);

it("an aborted signal stops verifying against a Postgres target that never answers", async () => {
  const port = (server.address() as { port: number }).port;
  const source = tmp.path("v1.db"); // written by the test above
  const reason = new Error("enough");
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), 500);
  const run = verifyMigration({
    source,
    target: `postgres://u:pw@127.0.0.1:${port}/db`,
    timezone: "UTC",
    signal: controller.signal,
  }).then(
    () => "resolved",
    (e: unknown) => e,
  );
  const outcome = await Promise.race([
    run,
    new Promise((r) => setTimeout(() => r("still running 10 s later"), 10_000)),
  ]);
  expect(outcome).toBe(reason);
}, 30_000);
