/**
 * close() waits for every call of the manager, hooks included. A hook that awaits close() (e.g.
 * shut down after the last session of a one-shot job is deleted, or after a reply) used to wait
 * for the very call that runs it: the call and close() never settled. Now close() called from a
 * hook waits for every call but the one running that hook.
 */
import { expect, it } from "vitest";
import { createSessionManager, StorageError, type SessionManager } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      () => "settled",
      () => "settled",
    ),
    new Promise((r) => setTimeout(() => r("hang"), ms)),
  ]);

it("a hook that awaits manager.close() does not deadlock the turn that ran it", async () => {
  let closing: Promise<void> | undefined;
  const manager: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider() } },
    hooks: {
      onReplyReceived: async () => {
        closing = manager.close();
        await closing;
      },
    },
  });
  const session = await manager.createSession("u", "mock", "m");
  expect(await within(session.sendMessage("last message of the job"), 2000)).toBe("settled");
  expect(await within(closing!, 2000)).toBe("settled");
});

it("a streamed turn's hook that awaits manager.close() does not deadlock the stream", async () => {
  const manager: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider() } },
    hooks: { onReplyReceived: () => manager.close() },
  });
  const session = await manager.createSession("u", "mock", "m");
  expect(await within(session.streamMessage("bye").reply, 2000)).toBe("settled");
  await expect(session.sendMessage("after")).rejects.toBeInstanceOf(StorageError);
});

it("an onSessionDeleted hook that awaits manager.close() does not deadlock deleteSession", async () => {
  const manager: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider() } },
    hooks: { onSessionDeleted: async () => manager.close() },
  });
  const session = await manager.createSession("u", "mock", "m");
  expect(await within(manager.deleteSession(session.sessionId), 2000)).toBe("settled");
});

it("close() from a hook still waits for the manager's other calls", async () => {
  const order: string[] = [];
  const manager: SessionManager = createSessionManager({
    providers: { mock: { adapter: new MockProvider({ latencyMs: 50 }) } },
    hooks: {
      onSessionDeleted: async () => {
        await manager.close();
        order.push("closed");
      },
    },
  });
  const slow = await manager.createSession("u", "mock", "m");
  const doomed = await manager.createSession("u", "mock", "m");
  const turn = slow.sendMessage("still running").then(() => order.push("turn stored"));
  await manager.deleteSession(doomed.sessionId);
  await turn;
  expect(order).toEqual(["turn stored", "closed"]);
  await expect(slow.sendMessage("after")).rejects.toBeInstanceOf(StorageError);
});

it("a close() a hook leaves behind (a timer) waits for every call, once that hook is over", async () => {
  let closing: Promise<void> | undefined;
  const order: string[] = [];
  const manager: SessionManager = createSessionManager({
    providers: {
      mock: { adapter: new MockProvider() },
      slow: { adapter: new MockProvider({ latencyMs: 60 }) },
    },
    hooks: {
      onReplyReceived: (m) => {
        // Runs once the hook is over, in the hook's async context.
        if (m.content === "Echo: fast") setTimeout(() => (closing = manager.close()), 5);
      },
      // Another hook running meanwhile: the first hook's context is still tracked then.
      onSessionArchived: () => new Promise((r) => setTimeout(r, 30)),
    },
  });
  const slow = await manager.createSession("u", "slow", "m");
  const fast = await manager.createSession("u", "mock", "m");
  const archived = await manager.createSession("u", "mock", "m");
  const turn = slow.sendMessage("slow").then(() => order.push("slow stored"));
  const archiving = manager.archiveSession(archived.sessionId);
  await fast.sendMessage("fast");
  await archiving;
  await new Promise((r) => setTimeout(r, 20));
  await closing!.then(() => order.push("closed"));
  await turn;
  expect(order).toEqual(["slow stored", "closed"]);
});
