import { describe, expect, it } from "vitest";
import { ValidationError, createSessionManager } from "../src/index.js";

describe("mock chunkSize 0", () => {
  it("is refused up front instead of streaming empty deltas forever", async () => {
    let manager: ReturnType<typeof createSessionManager> | undefined;
    let error: unknown;
    try {
      manager = createSessionManager({ providers: { mock: { chunkSize: 0 } } });
    } catch (e) {
      error = e;
    }
    if (manager) {
      // Accepted, a stream would never end (i += 0): show it.
      const s = await manager.createSession("u", "mock", "mock-model");
      const stream = s.streamMessage("hello");
      let deltas = 0;
      for await (const delta of stream) if (delta !== undefined && ++deltas > 1000) break;
      await manager.close().catch(() => {});
      expect.fail(`accepted chunkSize 0; the stream gave ${deltas}+ deltas for a 11-char reply`);
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toMatch(/chunkSize/);
  });
});
