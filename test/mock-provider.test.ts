import { describe, expect, it } from "vitest";
import { createTestManager } from "../src/testing/index.js";

describe("MockProvider", () => {
  it("keeps only the most recent 100 calls, so a long-running mock does not grow", async () => {
    const { manager, mock } = createTestManager();
    const session = await manager.createSession("u", "mock", "m");
    for (let i = 0; i < 130; i++) await session.sendMessage(`m${i}`);
    expect(mock.calls).toHaveLength(100);
    expect(mock.calls[0]!.input[0]!.content).toBe("m30");
    expect(mock.calls.at(-1)!.input[0]!.content).toBe("m129");
  });
});
