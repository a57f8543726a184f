// After an abort, a write slower than ABORT_GRACE_MS (3 s) is given up on, but nothing can take
// back what the target already received: on a storage the caller passed in (never closed by the
// run) the write goes on, and a Postgres server may commit a statement it had whole. The report
// must not present that session as simply not migrated: its warnings name it as possibly stored,
// and the next run finds it whole.
import { afterAll, expect, it } from "vitest";
import { MigrationAbortedError, migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { slowAppends, v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("given-up-");
afterAll(tmp.cleanup);

it("a write given up on after an abort is named in the report as possibly stored", async () => {
  const source = tmp.path("v1.db");
  writeV1(source, [{ session_id: "s1", messages: v1Messages(5) }]);
  const storage = sqliteStorage({ dbPath: tmp.path("v2.db") });
  const controller = new AbortController();
  // A big session on a slow target: its append takes 4 s; Ctrl+C 50 ms into it.
  const target = slowAppends(storage, 4000, () => setTimeout(() => controller.abort(), 50));

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
  expect(report.migratedSessions).toBe(0);
  expect(report.warnings).toEqual([
    { sessionId: "s1", warning: expect.stringMatching(/may still be stored/) },
  ]);

  await new Promise((r) => setTimeout(r, 1500)); // the write the run left goes on
  expect(await storage.getMessages("s1")).toHaveLength(5);
  const again = await migrateV1({ source, target: storage, timezone: "UTC" });
  expect(again).toMatchObject({ errors: [], skippedSessions: 1 }); // found whole
  await storage.close();
}, 20_000);
