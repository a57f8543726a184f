// A run aborted while its Postgres target never answers rejects (untilAborted), but migrateV1 and
// verifyMigration left the pool's close pending (not awaited) and nothing ever ended the
// connection: pool.end() waits for a client that is never released, so the socket stayed open for
// good. The CLI hides it behind its process.exit timer; a library caller (a script, a job runner,
// a test) whose run was aborted never exited — it has no handle on the pool opened from the URL.
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrateV1, verifyMigration } from "../../src/migration/index.js";
import { writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("r13-silent-pg-leak-");
const sockets: Socket[] = [];
const server = createServer((s) => {
  sockets.push(s);
  s.resume(); // reads (and drops) what the client sends, so its closing is seen; never answers
});
let port = 0;
let source = "";

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
  source = tmp.path("v1.db");
  const messages = [{ id: "m1", role: "user", content: "hi", timestamp: "2024-01-01T00:00:00" }];
  writeV1(source, [{ session_id: "s1", messages }]);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  tmp.cleanup();
});

/** Connections to the silent server the client has not closed. */
const openConnections = (): number =>
  sockets.filter((s) => !s.destroyed && !s.readableEnded).length;

const url = (): string => `postgres://u:pw@127.0.0.1:${port}/db`;
const runs = {
  migrateV1: (signal: AbortSignal) => migrateV1({ source, target: url(), timezone: "UTC", signal }),
  verifyMigration: (signal: AbortSignal) =>
    verifyMigration({ source, target: url(), timezone: "UTC", signal }),
};

for (const [name, run] of Object.entries(runs)) {
  it(`${name} aborted on a silent Postgres target does not leave its connection open`, async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    await expect(run(controller.signal)).rejects.toBeDefined();
    expect(sockets.length).toBeGreaterThan(0);
    // The connection is ended by the time the call returns (was: open for good).
    await new Promise((r) => setTimeout(r, 200));
    expect(openConnections()).toBe(0);
  });
}
