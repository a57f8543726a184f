import { inspect } from "node:util";
import { expect, it } from "vitest";
import { createSessionManager, StorageError } from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";
import { userStorage } from "../helpers/user-storage.js";

// A turn that failed (here: incoming middleware quoting a database URL) and whose input the
// storage could not keep either ends with a StorageError whose cause is the turn's failure: it
// must be the scrubbed copy, not the raw error with the password.
it("a turn whose input cannot be kept carries no password in its error's cause", async () => {
  const storage = userStorage();
  const manager = createSessionManager({
    storage,
    providers: { mine: { adapter: ownAdapter() } },
    middleware: [
      {
        incoming: () => {
          throw new Error("cannot reach postgres://app:hunter2-secret@db.internal/app");
        },
      },
    ],
  });
  const session = await manager.createSession("u", "mine", "m");
  storage.appendMessages = () => Promise.reject(new Error("disk full"));
  const error = await session.sendMessage("hello").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect(inspect(error, { depth: 5 })).not.toContain("hunter2-secret");
  expect(inspect(error, { depth: 5 })).toContain("disk full");
  await manager.close();
});
