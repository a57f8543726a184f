/**
 * A turn aborted while it waits for the session (behind a turn of this process, or another
 * process's lease) leaves the queue at once: it rejects with ProviderError, stores nothing, and
 * the turns around it go on in order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createSessionManager,
  ProviderError,
  sqliteStorage,
  type SessionStorage,
} from "../src/index.js";
import { createTestManager, MockProvider } from "../src/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "lss-abort-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** "settled" if `p` settles within `ms`, else "waiting". */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(settled, settled), sleep(ms).then(() => "waiting")]);
const settled = () => "settled";

describe("a turn aborted while it waits for the session", () => {
  for (const kind of ["sendMessage", "streamMessage"] as const) {
    it(`${kind} queued behind a stream being read leaves the queue at once`, async () => {
      const { manager } = createTestManager({ mock: { chunkSize: 2, latencyMs: 20 } });
      const s = await manager.createSession("u", "mock", "m");
      const reading = s.streamMessage("a long reply, read slowly")[Symbol.asyncIterator]();
      // The stream holds the turn to its end (~300 ms; it runs ahead once others wait).
      await reading.next();
      const controller = new AbortController();
      const options = { signal: controller.signal };
      const queued =
        kind === "sendMessage"
          ? s.sendMessage("cancelled", options)
          : s.streamMessage("cancelled", options).complete();
      queued.catch(() => undefined);
      const after = s.sendMessage("after"); // queued behind the cancelled one
      await sleep(10);
      controller.abort();
      expect(await within(queued, 300)).toBe("settled");
      await expect(queued).rejects.toThrow(ProviderError);
      await expect(queued).rejects.toThrow(/aborted before the turn started/);
      while (!(await reading.next()).done);
      await after;
      const stored = (await s.getMessages()).map((m) => m.content);
      expect(stored).toEqual([
        "a long reply, read slowly",
        "Echo: a long reply, read slowly",
        "after",
        "Echo: after",
      ]);
      await manager.close();
    });
  }

  it("sendMessage waiting for another process's lease stops waiting at once", async () => {
    const dbPath = join(dir, "lease.db");
    const manager = (latencyMs: number) =>
      createSessionManager({
        storage: sqliteStorage({ dbPath }),
        providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs }) } },
      });
    const a = manager(1500);
    const b = manager(0);
    try {
      const sa = await a.createSession("u", "mock", "m");
      const sb = await b.getSession(sa.sessionId);
      const slow = sa.sendMessage("slow"); // holds the lease for 1.5 s
      await sleep(100);
      const controller = new AbortController();
      const waiting = sb.sendMessage("cancelled", { signal: controller.signal });
      waiting.catch(() => undefined);
      await sleep(50);
      controller.abort();
      expect(await within(waiting, 500)).toBe("settled");
      await expect(waiting).rejects.toThrow(/aborted before the turn started/);
      await slow;
      expect((await sb.getMessages()).map((m) => m.content)).toEqual([
        "slow",
        "Echo: slow [after 0]",
      ]);
      expect((await sb.sendMessage("next")).content).toBe("Echo: next [after 2]");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("stores nothing when the abort lands while the winning lease acquire is on its way", async () => {
    const dbPath = join(dir, "lease-race.db");
    const manager = (storage: SessionStorage, latencyMs: number) =>
      createSessionManager({
        storage,
        providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs }) } },
      });
    const controller = new AbortController();
    const bStorage = sqliteStorage({ dbPath });
    const acquire = bStorage.acquireTurnLease.bind(bStorage);
    let tries = 0;
    bStorage.acquireTurnLease = async (id, holder, ttl) => {
      tries++;
      const won = await acquire(id, holder, ttl);
      if (won && tries > 1) controller.abort(); // the caller gives up while this query runs
      return won;
    };
    const a = manager(sqliteStorage({ dbPath }), 300);
    const b = manager(bStorage, 0);
    try {
      const sa = await a.createSession("u", "mock", "m");
      const sb = await b.getSession(sa.sessionId);
      const slow = sa.sendMessage("slow");
      await sleep(50);
      const waiting = sb.sendMessage("cancelled", { signal: controller.signal });
      const error = await waiting.catch((e: unknown) => e);
      await slow;
      expect(tries).toBeGreaterThan(1);
      expect(error).toBeInstanceOf(ProviderError);
      expect((await sb.getMessages()).map((m) => m.content)).toEqual([
        "slow",
        "Echo: slow [after 0]",
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
