import { describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { memoryStorage } from "../../src/storage/memory.js";
import { describeStorageConformance } from "./conformance.js";
import { makeMessage, makeRecord, usage } from "./fixtures.js";

describeStorageConformance({
  name: "memory",
  create: () => memoryStorage(),
  turnLeases: false,
});

describe("memory backend", () => {
  it("keeps its own copy of a synchronous turn's time", async () => {
    // The session layer passes the reply's `timestamp` as `at`, and hands the reply to the app.
    const s = memoryStorage();
    const r = makeRecord();
    await s.createSession(r);
    const reply = makeMessage(r.sessionId, { role: "assistant" });
    const t = reply.timestamp.getTime();
    s.appendTurnSync(r.sessionId, [reply], { usage: usage(1, 1), costUsd: 0, at: reply.timestamp });
    reply.timestamp.setTime(0);
    const stored = (await s.getSession(r.sessionId))!;
    expect(stored.lastActivity.getTime()).toBe(t);
    expect(stored.updatedAt.getTime()).toBe(t);
    expect((await s.getMessages(r.sessionId))[0]!.timestamp.getTime()).toBe(t);
  });
});

/**
 * `StorageUsage.bytes` is "bytes used by the store". The memory store used to add up only the
 * UTF-16 length of message text: session records (context, metadata, providerConfig, names)
 * counted nothing, so memory and SQLite disagreed by orders of magnitude for the same data.
 */
describe("memory getMemoryUsage().bytes", () => {
  it("counts what sessions store, not only message text", async () => {
    const memory = createSessionManager({ storage: "memory" });
    const sqlite = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath: ":memory:" },
    });
    const bigContext = { notes: "x".repeat(10_000) };
    for (const m of [memory, sqlite]) {
      for (let i = 0; i < 100; i++) {
        await m.createSession(`user_${i}`, "mock", "mock-model", {
          sessionConfig: { context: bigContext },
        });
      }
    }
    const mem = await memory.storage.getMemoryUsage();
    const sql = await sqlite.storage.getMemoryUsage();
    await memory.close();
    await sqlite.close();
    expect(sql.bytes).toBeGreaterThan(1_000_000); // ~1 MB of context is stored
    expect(mem.bytes).toBeGreaterThan(1_000_000); // the memory store holds the same
  });

  it("counts text in UTF-8 bytes, and tool calls", async () => {
    const s = memoryStorage();
    const r = makeRecord();
    await s.createSession(r);
    const before = (await s.getMemoryUsage()).bytes!;
    await s.addMessage(r.sessionId, makeMessage(r.sessionId, { content: "€".repeat(1000) }));
    const text = (await s.getMemoryUsage()).bytes! - before;
    expect(text).toBeGreaterThanOrEqual(3000); // 3 bytes each in UTF-8, not 1 UTF-16 unit
    const q = JSON.stringify({ q: "y".repeat(2000) });
    const call = {
      id: "c1",
      type: "function" as const,
      function: { name: "lookup", arguments: q },
    };
    await s.addMessage(
      r.sessionId,
      makeMessage(r.sessionId, { role: "assistant", content: "", toolCalls: [call] }),
    );
    expect((await s.getMemoryUsage()).bytes! - before - text).toBeGreaterThan(2000);
  });
});
