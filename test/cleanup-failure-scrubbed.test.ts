/**
 * A storage of your own throws what its driver throws. A turn's storage failure becomes a
 * StorageError whose cause is a scrubbed copy (README), but cleanupInactiveSessions keeps every
 * failure raw in its AggregateError cause: a driver error quoting its connection URL leaks the
 * password through `inspect(error)` / console.error; a null-prototype object thrown makes the
 * run throw a TypeError instead of the documented StorageError.
 */
import { inspect } from "node:util";
import { expect, it } from "vitest";
import { createSessionManager, StorageError } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";

const PASSWORD = "S3cr3tDbPassw0rd";

it("cleanup's StorageError does not carry the driver's password in its cause", async () => {
  const storage = userStorage();
  storage.listSessions = async () => {
    throw new Error(`connection to postgres://app:${PASSWORD}@db.internal/app failed`);
  };
  const manager = createSessionManager({ storage, providers: { mock: null } });
  const error = await manager.cleanupInactiveSessions().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as Error).message).not.toContain(PASSWORD); // the message is scrubbed
  expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD); // ...but the cause is not
  await manager.close();
});

it("cleanup with a storage throwing a null-prototype object still raises StorageError", async () => {
  const storage = userStorage();
  storage.listSessions = async () => {
    throw Object.assign(Object.create(null), { code: "EIO" });
  };
  const manager = createSessionManager({ storage, providers: { mock: null } });
  const error = await manager.cleanupInactiveSessions().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  await manager.close();
});
