/**
 * `manager.close()` closes each adapter and then the storage. One adapter whose optional
 * `close()` rejects (a socket already gone) used to stop it there: the adapters after it were
 * never closed and the storage was left open (a SQLite file handle, a pg pool keeping the process
 * alive). The manager is closed for new work, so a second close() could not finish the job either.
 */
import { expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";
import type { ProviderAdapter } from "../src/index.js";
import { USAGE } from "./helpers/replies.js";
import { userStorage } from "./helpers/user-storage.js";

const adapter = (name: string, log: string[], fails: boolean): ProviderAdapter => ({
  name,
  historyMode: () => "none",
  sendTurn: () => ({ content: "ok", usage: USAGE }),
  async *streamTurn() {
    yield { type: "done", reply: { content: "ok", usage: USAGE } };
  },
  async close() {
    log.push(`closed ${name}`);
    if (fails) throw new Error("socket already closed");
  },
});

it("one adapter's failing close() still closes the other adapters and the storage", async () => {
  const log: string[] = [];
  const storage = userStorage();
  storage.close = async () => void log.push("closed storage");
  const manager = createSessionManager({
    storage,
    providers: {
      a: { adapter: adapter("a", log, true) },
      b: { adapter: adapter("b", log, false) },
    },
  });
  await (await manager.createSession("u", "a", "m")).sendMessage("x");
  await (await manager.createSession("u", "b", "m")).sendMessage("x");
  // Everything is closed first; then the first failure is reported.
  await expect(manager.close()).rejects.toThrow("socket already closed");
  expect(log).toEqual(expect.arrayContaining(["closed a", "closed b", "closed storage"]));
});

it("a storage that fails to close still lets every adapter close, and its error is reported", async () => {
  const log: string[] = [];
  const storage = userStorage();
  storage.close = async () => {
    throw new Error("disk gone");
  };
  const manager = createSessionManager({
    storage,
    providers: { a: { adapter: adapter("a", log, false) } },
  });
  await (await manager.createSession("u", "a", "m")).sendMessage("x");
  await expect(manager.close()).rejects.toThrow("disk gone");
  expect(log).toEqual(["closed a"]);
});
