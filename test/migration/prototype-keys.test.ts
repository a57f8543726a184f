import { afterAll, expect, it } from "vitest";
import { migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("mig-prototype-keys-");
afterAll(tmp.cleanup);

/**
 * Unknown V1 statuses are documented to migrate as "paused" with a warning. The lookup
 * `STATUS_MAP[md.status]` read Object.prototype, so a status such as "constructor" or
 * "toString" yielded a function and the session FAILED ("got function") instead.
 */
it('migrates an unknown status named like an Object.prototype key as "paused", with a warning', async () => {
  const src = tmp.path("v1.db");
  writeV1(src, [
    { session_id: "s1", status: "constructor", messages: v1Messages(2) },
    { session_id: "s2", status: "toString", messages: v1Messages(2) },
  ]);
  const r = await migrateV1({ source: src, target: tmp.path("v2.db"), timezone: "UTC" });
  expect(r.errors).toEqual([]);
  expect(r.migratedSessions).toBe(2);
  expect(r.warnings.map((w) => w.warning)).toContain(
    'unknown status "constructor" migrated as "paused"',
  );
});

it("keeps a provider named like an Object.prototype key as an unknown provider, also in the map", async () => {
  const src = tmp.path("providers.db");
  const dst = tmp.path("providers-v2.db");
  writeV1(src, [
    { session_id: "p1", provider: "constructor", messages: v1Messages(2) },
    { session_id: "p2", provider: "__proto__", messages: v1Messages(2) },
  ]);
  const r = await migrateV1({ source: src, target: dst, timezone: "UTC", providerMap: {} });
  expect(r).toMatchObject({ errors: [], migratedSessions: 2 });
  expect(r.unknownProviders).toEqual(["__proto__", "constructor"]);
  const storage = sqliteStorage({ dbPath: dst });
  try {
    expect((await storage.getSession("p1"))!.provider).toBe("constructor");
    expect((await storage.getSession("p2"))!.provider).toBe("__proto__");
  } finally {
    await storage.close();
  }
});
