/**
 * A turn whose provider answered (and billed) but whose append then failed once (SQLite busy
 * past busyTimeoutMs, a Postgres connection lost twice) loses the user's input and the billed
 * tokens, even though the storage works again at once. Every other failure after a reply
 * (a lost lease, a throwing incoming middleware, a refused reply) keeps the input marked
 * `unanswered` and counts the tokens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createSessionManager, sqliteStorage, StorageError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "r7-append-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a one-off storage failure on an answered turn keeps the input unanswered and counts the billed tokens", async () => {
  const storage = sqliteStorage({ dbPath: join(dir, "append.db") });
  const append = storage.appendMessages.bind(storage);
  let failNext = false;
  storage.appendMessages = (id, messages, counters) => {
    if (failNext && messages.some((m) => m.role === "assistant")) {
      failNext = false;
      return Promise.reject(new StorageError("sqlite", "database is locked"));
    }
    return append(id, messages, counters);
  };
  const manager = createSessionManager({
    storage,
    providers: { mock: { adapter: new MockProvider() } },
    pricing: { m: { input: 1_000_000, output: 1_000_000 } }, // $1 per token
  });
  try {
    const session = await manager.createSession("u", "mock", "m");
    failNext = true;
    await expect(session.sendMessage("please remember this")).rejects.toBeInstanceOf(StorageError);
    const messages = await session.getMessages();
    const metrics = await session.getMetrics();
    // The provider answered and billed the turn: what it spent is counted...
    expect(metrics.totalTokens).toBeGreaterThan(0);
    expect(metrics.costUsd).toBeGreaterThan(0);
    // ...and the user's message is not silently gone: it is kept, marked unanswered.
    expect(messages.map((m) => [m.role, m.content, m.metadata.unanswered])).toEqual([
      ["user", "please remember this", true],
    ]);
  } finally {
    await manager.close();
  }
});
