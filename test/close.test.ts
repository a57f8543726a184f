/** `close()` with turns in flight: they finish and are stored first; nothing new starts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, StorageError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "lss-close-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A manager on a fresh SQLite file, and a way to read what that file holds after close. */
function open(mock: MockProvider) {
  const dbPath = join(dir, `${n++}.db`);
  const manager = createSessionManager({
    storage: "sqlite",
    storageConfig: { dbPath },
    providers: { mock: { adapter: mock } },
  });
  const stored = async (sessionId: string) => {
    const again = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
    try {
      const messages = await (await again.getSession(sessionId)).getMessages();
      return messages.map((m) => [m.role, m.content, m.finishReason ?? null]);
    } finally {
      await again.close();
    }
  };
  return { manager, stored };
}

describe("close()", () => {
  it("waits for turns in flight and queued behind them, and stores them", async () => {
    const { manager, stored } = open(new MockProvider({ latencyMs: 60 }));
    const session = await manager.createSession("u", "mock", "m");
    const turns = [session.sendMessage("first"), session.sendMessage("second")];
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first is being answered
    await manager.close();
    expect((await Promise.all(turns)).map((r) => r.content)).toEqual([
      "Echo: first",
      "Echo: second",
    ]);
    expect(await stored(session.sessionId)).toEqual([
      ["user", "first", null],
      ["assistant", "Echo: first", "stop"],
      ["user", "second", null],
      ["assistant", "Echo: second", "stop"],
    ]);
  });

  it("refuses a turn asked for once it has begun, storing nothing", async () => {
    const { manager, stored } = open(new MockProvider({ latencyMs: 30 }));
    const session = await manager.createSession("u", "mock", "m");
    const running = session.sendMessage("before");
    const closed = manager.close();
    await expect(session.sendMessage("after")).rejects.toBeInstanceOf(StorageError);
    await closed;
    await running;
    expect((await stored(session.sessionId)).map((m) => m[1])).toEqual(["before", "Echo: before"]);
  });

  it("ends a stream whose reader paused, keeping what arrived", async () => {
    const { manager, stored } = open(new MockProvider({ chunkSize: 2 }));
    const session = await manager.createSession("u", "mock", "m");
    const stream = session.streamMessage("a long reply");
    const reader = stream[Symbol.asyncIterator]();
    const first = await reader.next(); // then the reader pauses
    await manager.close(); // would wait for the reader for ever
    await expect(stream.reply).rejects.toBeInstanceOf(ProviderError);
    const [input, reply] = await stored(session.sessionId);
    expect(input).toEqual(["user", "a long reply", null]);
    expect(reply![2]).toBe("aborted");
    expect(String(reply![1]).startsWith(String(first.value))).toBe(true);
  });
});
