import { describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, sqliteStorage } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

/** SQLite storage whose lease release always fails, as when the database goes away mid-turn. */
function storageWithBrokenRelease() {
  const storage = sqliteStorage({ dbPath: ":memory:" });
  storage.releaseTurnLease = async () => {
    throw new Error("releaseTurnLease failed: connection lost");
  };
  return storage;
}

describe("turn leases", () => {
  it("a failed lease release neither fails a stored turn nor hides the turn's own error", async () => {
    const mock = new MockProvider({ historyAware: true });
    const manager = createSessionManager({
      storage: storageWithBrokenRelease(),
      providers: { mock: { adapter: mock } },
      turnLeaseMs: 200,
    });
    const session = await manager.createSession("u", "mock", "m");
    expect((await session.sendMessage("one")).content).toBe("Echo: one [after 0]");
    mock.failNext(1, { status: 503, message: "overloaded" });
    await expect(session.sendMessage("two")).rejects.toThrow(ProviderError);
    // The lease was never released; this manager still holds it, so its next turn goes on.
    expect((await session.sendMessage("three")).content).toBe("Echo: three [after 3]");
    await manager.close();
  });
});
