/**
 * A user's storage reports a failed write as whatever its driver throws (an `Error` from fs, a
 * driver's own class): the contract never says it must be a `StorageError`. When such a storage
 * fails to take an answered turn, the input and the billed tokens are silently dropped and the
 * raw error escapes, where a built-in backend's failure keeps the input `unanswered`, counts the
 * tokens, and raises `StorageError` (README "Nothing lost, nothing half-written").
 */
import { expect, it } from "vitest";
import { createSessionManager, StorageError } from "../src/index.js";
import { ownAdapter } from "./helpers/own-adapter.js";
import { userStorage } from "./helpers/user-storage.js";

it("a user storage's plain Error on the reply's append keeps the input unanswered, counts the tokens, raises StorageError", async () => {
  const storage = userStorage();
  const append = storage.appendMessages.bind(storage);
  let failNext = false;
  storage.appendMessages = async (id, messages, counters) => {
    if (failNext && messages.some((m) => m.role === "assistant")) {
      failNext = false;
      throw new Error("EIO: i/o error, write"); // what fs.promises.writeFile throws
    }
    return append(id, messages, counters);
  };
  const manager = createSessionManager({ storage, providers: { mine: { adapter: ownAdapter() } } });
  const session = await manager.createSession("u", "mine", "m");
  failNext = true;
  const error = await session.sendMessage("please remember this").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as Error).cause).toBeInstanceOf(Error);
  const messages = await session.getMessages();
  expect(messages.map((m) => [m.role, m.content, m.metadata.unanswered])).toEqual([
    ["user", "please remember this", true],
  ]);
  expect((await session.getMetrics()).totalTokens).toBe(7); // the provider billed them
  await manager.close();
});

it("a user storage throwing a null-prototype object on the append still keeps the input", async () => {
  const storage = userStorage();
  const append = storage.appendMessages.bind(storage);
  let failNext = false;
  storage.appendMessages = async (id, messages, counters) => {
    if (failNext) {
      failNext = messages.length === 1 ? false : failNext; // the input alone is taken
      if (messages.length > 1) throw Object.assign(Object.create(null), { code: "EIO" });
    }
    return append(id, messages, counters);
  };
  const manager = createSessionManager({ storage, providers: { mine: { adapter: ownAdapter() } } });
  const session = await manager.createSession("u", "mine", "m");
  failNext = true;
  const error = await session.sendMessage("keep me").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as Error).message).toContain("EIO");
  expect((await session.getMessages()).map((m) => m.metadata.unanswered)).toEqual([true]);
  await manager.close();
});
