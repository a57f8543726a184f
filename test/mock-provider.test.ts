import { describe, expect, it } from "vitest";
import { createTestManager, MockProvider } from "../src/testing/index.js";
import { createSessionManager } from "../src/index.js";

describe("MockProvider", () => {
  it("keeps only the most recent calls (100 to 200), so a long-running mock does not grow", async () => {
    const { manager, mock } = createTestManager();
    const session = await manager.createSession("u", "mock", "m");
    for (let i = 0; i < 450; i++) await session.sendMessage(`m${i}`);
    expect(mock.calls.length).toBeGreaterThanOrEqual(100);
    expect(mock.calls.length).toBeLessThan(200);
    expect(mock.calls.at(-1)!.input[0]!.content).toBe("m449");
    const first = Number(mock.calls[0]!.input[0]!.content.slice(1));
    expect(mock.calls.map((c) => c.input[0]!.content)).toEqual(
      Array.from({ length: 450 - first }, (_, i) => `m${first + i}`),
    );
  });

  it("fails a stream set to fail after more chunks than the reply has, before it ends", async () => {
    const { manager, mock } = createTestManager({ mock: { chunkSize: 4 } });
    const session = await manager.createSession("u", "mock", "m");
    mock.failNext(1, { afterChunks: 50, status: 503 });
    const stream = session.streamMessage("hi");
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toMatchObject({ status: 503 });
    // What arrived is kept as a partial reply, as for any stream cut short.
    const stored = await session.getMessages();
    expect(stored[1]).toMatchObject({ content: "Echo: hi", finishReason: "error" });
    await manager.close();
  });

  it("keeps no calls when told not to (as a mock configured by name, which nobody can read)", async () => {
    const mock = new MockProvider({ recordCalls: false });
    const manager = createSessionManager({ providers: { mock: { adapter: mock } } });
    const session = await manager.createSession("u", "mock", "m");
    expect((await session.sendMessage("hi")).content).toBe("Echo: hi");
    expect(mock.calls).toHaveLength(0);
    await manager.close();
  });
});
