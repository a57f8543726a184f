/**
 * Two processes (two managers on separate storage objects, one SQLite file). Process B moves a
 * session from a stateless provider to another. Process A's `Session`, read before the move, runs
 * its next turn without a lease, so without reading the session again: its reply, the old
 * provider's, must not be stored as the session's (a native conversation would never hold it).
 * It fails with `ConcurrencyError`, the input kept unanswered with the tokens it cost, and the
 * turn after it runs on the session's provider as it is now.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ConcurrencyError, createSessionManager, sqliteStorage } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "switched-elsewhere-"));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("a stale Session's turn on the provider the session has left is refused, then runs on the new one", async () => {
  const dbPath = join(dir, "s.db");
  const make = (plain: MockProvider, hist: MockProvider) =>
    createSessionManager({
      storage: sqliteStorage({ dbPath }),
      providers: { mock: { adapter: plain }, hist: { adapter: hist } },
    });
  const aPlain = new MockProvider();
  const aHist = new MockProvider({ historyAware: true });
  const a = make(aPlain, aHist);
  const b = make(new MockProvider(), new MockProvider({ historyAware: true }));
  try {
    const session = await a.createSession("u", "mock", "old-model");
    await session.sendMessage("first");
    await (await b.getSession(session.sessionId)).switchProvider("hist", "new-model");

    await expect(session.sendMessage("second")).rejects.toBeInstanceOf(ConcurrencyError);
    const kept = await session.getMessages();
    expect(kept.map((m) => [m.content, m.metadata.unanswered ?? false])).toEqual([
      ["first", false],
      ["Echo: first", false],
      ["second", true],
    ]);
    expect((await session.getMetrics()).inputTokens).toBeGreaterThan(
      Math.ceil("first".length / 4), // the refused reply's input tokens are counted too
    );

    const reply = await session.sendMessage("third");
    expect(aHist.calls.map((c) => c.session.model)).toEqual(["new-model"]);
    expect(reply.content).toBe("Echo: third [after 3]");
    expect(session.provider).toBe("hist");
  } finally {
    await a.close();
    await b.close();
  }
});
