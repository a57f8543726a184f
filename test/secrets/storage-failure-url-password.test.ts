/**
 * A storage of your own (`storage: <SessionStorage>`) may throw what its driver throws. Drivers
 * and HTTP clients quote the URL they were given, userinfo included: Node's fetch throws
 * "Request cannot be constructed from a URL that includes credentials: https://app:<pw>@host/",
 * a libpq-style message may quote `postgres://app:<pw>@host/db`. `storageFailure` (src/turn.ts)
 * wraps it as `new StorageError(name, failureText(error), { cause: error })`: `redact` has no rule
 * for a URL's password (only registered secrets, sk-/Bearer/masked shapes), and the raw error is
 * kept as `cause` (unlike `toProviderError`, which keeps a scrubbed copy). So the password reaches
 * the thrown error, `util.inspect(error)`, and the stored unanswered input's `metadata.error`.
 */
import { inspect } from "node:util";
import { afterEach, expect, it } from "vitest";
import { createSessionManager, StorageError, type SessionManager } from "../../src/index.js";
import { userStorage } from "../helpers/user-storage.js";

const PASSWORD = "S3cr3tDbPassw0rd";
const URL_WITH_PASSWORD = `postgres://app:${PASSWORD}@db.internal:5432/app`;

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

it("a driver error quoting its connection URL leaks no password (error, cause, stored metadata)", async () => {
  const storage = userStorage();
  const append = storage.appendMessages.bind(storage);
  let failures = 1;
  storage.appendMessages = async (id, messages, counters) => {
    if (failures-- > 0) {
      throw new Error(`connection to ${URL_WITH_PASSWORD} failed: server closed the connection`);
    }
    return append(id, messages, counters);
  };
  manager = createSessionManager({ storage, providers: { mock: null } });
  const session = await manager.createSession("u1", "mock", "mock-model");
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  const stored = await session.getMessages();
  expect(stored[0]?.metadata.unanswered).toBe(true); // the input was kept, with the error
  const surfaces = {
    message: (error as Error).message,
    inspect: inspect(error, { depth: 10 }),
    stored: JSON.stringify(stored),
  };
  const leaks = Object.entries(surfaces)
    .filter(([, t]) => t.includes(PASSWORD))
    .map(([w]) => w);
  expect(leaks, "surfaces showing the database password").toEqual([]);
});

it("fetch's own refusal of a credentialed URL (a REST-backed storage) leaks no password", async () => {
  const storage = userStorage();
  const append = storage.appendMessages.bind(storage);
  let failures = 1;
  storage.appendMessages = async (id, messages, counters) => {
    if (failures-- > 0) await fetch(`http://app:${PASSWORD}@127.0.0.1:1/append`); // throws at once
    return append(id, messages, counters);
  };
  manager = createSessionManager({ storage, providers: { mock: null } });
  const session = await manager.createSession("u1", "mock", "mock-model");
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as Error).message).not.toContain(PASSWORD);
  expect(JSON.stringify(await session.getMessages())).not.toContain(PASSWORD);
});
