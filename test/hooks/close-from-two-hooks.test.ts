/**
 * A hook may await manager.close(): close() then waits for every call but the one running that
 * hook (closing.ts). With two such hooks at once, each close() waits for the other hook's call,
 * which waits for its own close(): neither ever settles. E.g. "shut down once a reply arrives"
 * with two sessions answering at once, or a one-shot job deleting its last two sessions.
 */
import { expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      () => "settled",
      () => "settled",
    ),
    new Promise((r) => setTimeout(() => r("hang"), ms)),
  ]);

it("two turns whose onReplyReceived hooks await close() both settle", async () => {
  const manager: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider({ latencyMs: 20 }) } },
    hooks: {
      onReplyReceived: async () => {
        await manager.close();
      },
    },
  });
  const a = await manager.createSession("u", "mock", "m");
  const b = await manager.createSession("u", "mock", "m");
  expect(await within(Promise.all([a.sendMessage("1"), b.sendMessage("2")]), 2000)).toBe("settled");
});

it("two deletes whose onSessionDeleted hooks await close() both settle", async () => {
  const manager: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider() } },
    hooks: { onSessionDeleted: () => manager.close() },
  });
  const a = await manager.createSession("u", "mock", "m");
  const b = await manager.createSession("u", "mock", "m");
  const both = Promise.all([
    manager.deleteSession(a.sessionId),
    manager.deleteSession(b.sessionId),
  ]);
  expect(await within(both, 2000)).toBe("settled");
});
