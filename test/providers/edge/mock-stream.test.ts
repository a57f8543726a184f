import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { MockProvider } from "../../../src/providers/mock.js";

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

describe("mock provider streaming with latency", () => {
  it("does not pile up abort listeners (one per chunk) on the turn's signal", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const mock = new MockProvider({ latencyMs: 1, chunkSize: 2 });
      manager = createSessionManager({ providers: { mock: { adapter: mock } } });
      const s = await manager.createSession("u", "mock", "mock-model");
      let text = "";
      for await (const d of s.streamMessage("a reply long enough for a couple dozen chunks"))
        text += d;
      expect(text).toBe("Echo: a reply long enough for a couple dozen chunks");
      await new Promise((r) => setTimeout(r, 20));
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
