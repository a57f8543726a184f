/**
 * What a process that runs for days with one manager must not gather per session or per turn.
 */
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessionManager, memoryStorage } from "../src/index.js";
import { RecordVersions } from "../src/internal/versions.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./providers/fake/openai-server.js";

describe("record versions", () => {
  it("forget sessions past a bound, and no version handed out before matches one after", () => {
    const versions = new RecordVersions();
    const held = versions.bump("a");
    const untouched = versions.of("b");
    for (let i = 0; i < 25_000; i++) versions.bump(`s${i}`);
    // The first ids are forgotten: they read as a session never changed.
    expect(versions.of("s0")).toBe(versions.of("never-changed"));
    // A Session holding an older version re-reads its record once.
    expect(versions.of("a")).not.toBe(held);
    expect(versions.of("b")).not.toBe(untouched);
    expect(versions.bump("a")).toBeGreaterThan(versions.of("never-changed"));
  });

  it("a Session still sees a change made through another object after the versions start over", async () => {
    const manager = createSessionManager({ storage: memoryStorage() });
    const s = await manager.createSession("u", "mock", "m1");
    await (await manager.getSession(s.sessionId)).switchProvider("mock", "m2");
    for (let i = 0; i < 10_001; i++) {
      const other = await manager.createSession("u", "mock", "m");
      await other.updateContext({ i });
    }
    await s.sendMessage("hi");
    expect(s.model).toBe("m2");
    await manager.close();
  }, 60_000);
});

describe("a long-lived signal given to every sendMessage (a server's shutdown signal)", () => {
  let server: OpenAIFakeServer;
  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("keeps no listener per finished turn (the SDK leaves one on the signal it is given)", async () => {
    const manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: server.url, maxRetries: 0 } },
    });
    const shutdown = new AbortController();
    const s = await manager.createSession("u", "openai-compatible", "m");
    for (let i = 0; i < 20; i++) await s.sendMessage(`hi ${i}`, { signal: shutdown.signal });
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    await manager.close();
  });

  it("still aborts a turn in flight", async () => {
    const manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: server.url, maxRetries: 0 } },
    });
    const s = await manager.createSession("u", "openai-compatible", "m");
    server.enqueue({ kind: "reply", text: "late", delayMs: 2_000 });
    const shutdown = new AbortController();
    const turn = s.sendMessage("hi", { signal: shutdown.signal });
    setTimeout(() => shutdown.abort(), 50);
    await expect(turn).rejects.toThrow(/abort/i);
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    await manager.close();
  });
});
