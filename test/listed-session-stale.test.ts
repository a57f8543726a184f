/**
 * A `Session` made by `getUserSessions` (or `getSession`) takes the manager's record version at
 * construction, after the storage read. A change made by this manager while the read was on its
 * way (a DB round trip) bumps the version in between: the listed Session then holds the old
 * record under the new version, never re-reads it, and its turns run on the old provider/model.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";
import { memoryStorage } from "../src/storage/memory.js";
import type { SessionStorage } from "../src/storage/types.js";
import { MockProvider } from "../src/testing/index.js";

/** A memory store whose reads take a round trip after their snapshot, as a database's do. */
function slowReads(gate: { wait: Promise<void> | null }): SessionStorage {
  const inner = memoryStorage();
  return {
    ...inner,
    async listSessions(q) {
      const page = await inner.listSessions(q); // the rows as of now
      if (gate.wait) await gate.wait; // ...arrive a little later
      return page;
    },
    async getSession(id) {
      const r = await inner.getSession(id);
      if (gate.wait) await gate.wait;
      return r;
    },
  };
}

describe("a Session listed while this manager changes it", () => {
  it.each(["getUserSessions", "getSession"] as const)(
    "%s: a turn on it uses the model the session was switched to meanwhile",
    async (how) => {
      const mock = new MockProvider();
      const gate: { wait: Promise<void> | null } = { wait: null };
      const m = createSessionManager({
        storage: slowReads(gate),
        providers: { mock: { adapter: mock } },
      });
      try {
        const session = await m.createSession("u", "mock", "old-model");
        let open!: () => void;
        gate.wait = new Promise((r) => (open = r));
        const listing =
          how === "getUserSessions"
            ? m.getUserSessions("u").then((l) => l[0]!)
            : m.getSession(session.sessionId);
        await new Promise((r) => setTimeout(r, 5)); // the read has its rows, in transit
        gate.wait = null;
        await session.switchProvider("mock", "new-model"); // completes meanwhile
        open();
        const listed = await listing;
        await listed.sendMessage("hello");
        expect((await m.getSession(session.sessionId)).model).toBe("new-model");
        // The turn must run on the session as it is stored now.
        expect(mock.calls.at(-1)!.session.model).toBe("new-model");
      } finally {
        await m.close();
      }
    },
  );
});
