/**
 * The mock's stream reports its input tokens up front with `outputTokens: 0` and no
 * `outputPending`, so a mock stream cut after text (failNext afterChunks, a reader breaking off,
 * an aborted signal) is counted as a known, final cost. docs/providers.md ("Your own provider"):
 * a stream cut after text whose last usage event is not final "counts in unpricedTurns", never as
 * a known cost. Code tested against the mock is told the opposite of what real providers do.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

describe("mock: a stream cut after text", () => {
  it("is counted as unpriced (unknown output), not as a known cost", async () => {
    const mock = new MockProvider({ chunkSize: 2 });
    manager = createSessionManager({
      providers: { mock: { adapter: mock } },
      pricing: { "priced-model": { input: 1000, output: 1000 } },
    });
    const s = await manager.createSession("u", "mock", "priced-model");
    mock.failNext(1, { afterChunks: 2, status: 503 });
    let read = "";
    await (async () => {
      for await (const d of s.streamMessage("hello there friend")) read += d;
    })().catch(() => undefined);
    expect(read).toBe("Echo");
    const [, partial] = await s.getMessages();
    expect(partial).toMatchObject({ content: "Echo", finishReason: "error" });
    const m = await s.getMetrics();
    // Today: costUsd 0.005 (input only, output taken as 0), unpricedTurns 0.
    expect(m.unpricedTurns).toBe(1);
    expect(m.costUsd).toBeNull();
    expect(m.inputTokens).toBeGreaterThan(0); // the input tokens reported are still kept
  });
});
