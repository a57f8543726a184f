// docs/migration.md: an aborted `signal` stops the run "after the session it is at — or at once
// while it waits on a target that does not answer". `migrateOne` raced every write against the
// signal and gave up the moment it fired, so a target that answers, only slowly (a Postgres server
// writing a big session), was abandoned mid-session too: migrateV1 rejected with a report that did
// not count the session, while the write went on in the background and stored it whole.
import { afterAll, expect, it } from "vitest";
import { MigrationAbortedError, migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { slowAppends, v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("r13-abort-slow-");
afterAll(tmp.cleanup);

it("an abort while an answering target writes a session: the report agrees with what is stored", async () => {
  const source = tmp.path("v1.db");
  const messages = v1Messages(5);
  writeV1(source, [
    { session_id: "s1", messages },
    { session_id: "s2", messages },
  ]);
  const storage = sqliteStorage({ dbPath: tmp.path("v2.db") });
  const controller = new AbortController();
  // Ctrl+C 50 ms into the first session's append, which the target completes 250 ms later.
  const target = slowAppends(storage, 300, () => setTimeout(() => controller.abort(), 50));

  const stopped = await migrateV1({
    source,
    target,
    timezone: "UTC",
    signal: controller.signal,
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(stopped).toBeInstanceOf(MigrationAbortedError);
  const { report } = stopped as MigrationAbortedError;

  await new Promise((r) => setTimeout(r, 600)); // whatever was still going has settled by now
  const stored = (await storage.getSession("s1")) ? await storage.getMessages("s1") : [];
  const second = await storage.getSession("s2");
  await storage.close();

  // Was: s1 stored whole (5 messages) while the report said 0 sessions, 0 messages migrated.
  expect(stored).toHaveLength(5);
  expect(report).toMatchObject({ migratedSessions: 1, migratedMessages: 5, fatal: "aborted" });
  expect(second).toBeNull(); // stopped after the session it was at
});
