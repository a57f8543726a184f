/** `close()` with turns in flight: they finish and are stored first; nothing new starts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager, memoryStorage, ProviderError, StorageError } from "../src/index.js";
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

  it("ends a stream that was queued when it began and started after, reader paused", async () => {
    const { manager } = open(new MockProvider({ latencyMs: 40, chunkSize: 2 }));
    const session = await manager.createSession("u", "mock", "m");
    const first = session.sendMessage("first");
    const queued = session.streamMessage("queued behind the first");
    const reader = queued[Symbol.asyncIterator]();
    const closed = manager.close(); // the stream starts only after this
    void reader.next().catch(() => undefined); // then its reader pauses
    await first;
    await closed; // it waited for the paused reader for ever
    await expect(queued.reply).rejects.toBeInstanceOf(ProviderError);
  });

  it("runs the last turns' hooks before it closes the storage", async () => {
    const seen: string[] = [];
    const manager = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath: join(dir, `${n++}.db`) },
      providers: { mock: { adapter: new MockProvider({ latencyMs: 30 }) } },
      hooks: {
        async onReplyReceived(message) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          const session = await manager.getSession(message.sessionId);
          seen.push(...(await session.getMessages()).map((m) => m.content));
        },
      },
    });
    const session = await manager.createSession("u", "mock", "m");
    const turn = session.sendMessage("hi");
    await new Promise((resolve) => setTimeout(resolve, 10));
    await manager.close();
    await turn;
    expect(seen).toEqual(["hi", "Echo: hi"]); // the hook met a closed storage
  });

  it("stops a cleanup after the session it is at, saying how far it got", async () => {
    const { manager } = open(new MockProvider());
    for (let i = 0; i < 50; i++) await manager.createSession(`u${i}`, "mock", "m");
    const cleanup = manager.cleanupInactiveSessions({ maxInactiveHours: 0 });
    await manager.close();
    // It had listed the sessions, not acted on one yet: it stops there (it used to go on and
    // fail 50 times over with "the storage is closed").
    await expect(cleanup).rejects.toThrow(/closed during cleanup, after cleaning up 0 session/);
  });

  it("waits for writes in flight and refuses new ones", async () => {
    const storage = memoryStorage();
    const manager = createSessionManager({ storage });
    const session = await manager.createSession("u", "mock", "m");
    const update = storage.updateSession.bind(storage);
    storage.updateSession = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 30)); // still writing at close()
      return update(...args);
    };
    const writes = [session.updateContext({ k: 1 }), manager.archiveSession(session.sessionId)];
    await manager.close(); // closed the storage under them: "the storage is closed"
    await Promise.all(writes);
    for (const late of [
      () => manager.createSession("u", "mock", "m"),
      () => manager.deleteSession(session.sessionId),
      () => session.updateContext({ k: 2 }),
    ]) {
      await expect(late()).rejects.toThrow(/the manager is closed/);
    }
  });

  it("keeps in a stopped cleanup's error the failures it met before", async () => {
    const storage = memoryStorage();
    const manager = createSessionManager({ storage });
    for (let i = 0; i < 3; i++) await manager.createSession("u", "mock", "m");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const act = storage.cleanUpIfInactive.bind(storage);
    let calls = 0;
    storage.cleanUpIfInactive = async (...args) => {
      if (++calls === 1) throw new StorageError("memory", "disk on fire");
      await new Promise((resolve) => setTimeout(resolve, 50)); // close() comes meanwhile
      return act(...args);
    };
    const cleanup = manager.cleanupInactiveSessions({ maxInactiveHours: 0 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await manager.close();
    const error = await cleanup.then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/after cleaning up 1 session\(s\) and 1 failure/);
    expect(((error as Error).cause as AggregateError).errors.map(String)).toEqual([
      "StorageError: [session] [memory] disk on fire",
    ]);
  });

  it("waits for its own turns only, not those of a manager sharing its storage object", async () => {
    const storage = memoryStorage();
    const a = createSessionManager({ storage });
    const b = createSessionManager({
      storage,
      providers: { mock: { adapter: new MockProvider({ chunkSize: 2 }) } },
    });
    const session = await b.createSession("u", "mock", "m");
    const stream = session.streamMessage("a long reply");
    await stream[Symbol.asyncIterator]().next(); // b's reader pauses
    await a.close(); // waited for b's reader for ever
    await b.close(); // ends b's stream, whose storage a closed
    await expect(stream.reply).rejects.toThrow();
  });
});
