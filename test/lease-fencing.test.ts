/**
 * Every write a turn makes under a lease is fenced on it. Once the lease is lost (the process
 * stalled past turnLeaseMs and another took it over), a reply or a held tool result, decided on
 * a history that has moved on, fails with ConcurrencyError; an unanswered input or a system
 * message waits for the lease again and goes after the other process's turn, never inside it.
 * "Stalled" is simulated by a storage whose heartbeat renewals never land.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  ConcurrencyError,
  createSessionManager,
  postgresStorage,
  sqliteStorage,
  type SessionStorage,
} from "../src/index.js";
import type { TurnLeaseStorage } from "../src/storage/types.js";
import { MockProvider } from "../src/testing/index.js";
import { freshDatabase } from "./helpers/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "lss-fencing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = await freshDatabase(inject("postgresUrl"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 100;
let n = 0;

type LeaseStorage = SessionStorage & TurnLeaseStorage;
const BACKENDS: Record<string, () => () => LeaseStorage> = {
  sqlite: () => {
    const dbPath = join(dir, `${n++}.db`);
    return () => sqliteStorage({ dbPath });
  },
  postgres: () => {
    const schema = `lease_${n++}`;
    return () => postgresStorage({ connectionString: url, schema });
  },
};

/** Two "processes" (managers on separate storage objects); A's heartbeat never lands. */
function twoProcesses(open: () => LeaseStorage, latencyA: number, latencyB: number) {
  const aStorage = open();
  aStorage.renewTurnLease = async () => true; // frozen: the lease runs out under A
  const manager = (storage: LeaseStorage, latencyMs: number) =>
    createSessionManager({
      storage,
      providers: { mock: { adapter: new MockProvider({ historyAware: true, latencyMs }) } },
      turnLeaseMs: LEASE_MS,
    });
  return { a: manager(aStorage, latencyA), b: manager(open(), latencyB), aStorage };
}

/** Each stored reply of the history-aware mock says how many messages preceded its input. */
function expectRepliesSawTheirHistory(messages: { role: string; content: string }[]) {
  messages.forEach((m, i) => {
    const after = /\[after (\d+)\]$/.exec(m.content);
    if (m.role === "assistant" && after)
      expect(`${m.content} at ${i - 1}`).toBe(`${m.content} at ${after[1]}`);
  });
}

describe.each(Object.keys(BACKENDS))("%s", (backend) => {
  it("a reply fenced out keeps its input after the other process's turn, not inside it", async () => {
    const { a, b } = twoProcesses(BACKENDS[backend]!(), 400, 600);
    try {
      const sa = await a.createSession("u", "mock", "m");
      const sb = await b.getSession(sa.sessionId);
      const ta = sa.sendMessage("a").catch((e: unknown) => e);
      await sleep(200); // A's lease has run out; B takes it over and asks its provider (600 ms)
      const tb = sb.sendMessage("b");
      const [ra] = await Promise.all([ta, tb]); // A's reply arrives at ~400 ms: fenced out
      expect(ra).toBeInstanceOf(ConcurrencyError);
      const stored = await sb.getMessages();
      expectRepliesSawTheirHistory(stored);
      expect(stored.map((m) => [m.content, m.metadata.unanswered])).toEqual([
        ["b", undefined],
        ["Echo: b [after 0]", undefined],
        ["a", true],
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a system message sent under a lost lease goes after the other process's turn", async () => {
    const { a, b, aStorage } = twoProcesses(BACKENDS[backend]!(), 0, 300);
    try {
      const sa = await a.createSession("u", "mock", "m");
      const sb = await b.getSession(sa.sessionId);
      const append = aStorage.appendMessages.bind(aStorage);
      let tb: Promise<unknown> | undefined;
      aStorage.appendMessages = async (id, messages, counters) => {
        if (messages[0]?.role === "system" && !tb) {
          await sleep(2 * LEASE_MS); // A stalls past its lease
          tb = sb.sendMessage("b"); // B takes the lease over, reads the history, asks (300 ms)
          await sleep(100);
        }
        return append(id, messages, counters);
      };
      const ra = await sa.sendSystemMessage("be brief").catch((e: unknown) => e);
      await tb;
      expect(ra).toMatchObject({ role: "system", content: "be brief" });
      const stored = await sb.getMessages();
      expectRepliesSawTheirHistory(stored);
      expect(stored.map((m) => m.content)).toEqual(["b", "Echo: b [after 0]", "be brief"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a tool result held under a lost lease fails, so sibling results are never both stranded", async () => {
    const { a, b, aStorage } = twoProcesses(BACKENDS[backend]!(), 0, 0);
    try {
      const sa = await a.createSession("u", "mock", "m");
      const base = { sessionId: sa.sessionId, timestamp: new Date(), metadata: {} };
      await a.storage.appendMessages(sa.sessionId, [
        { ...base, messageId: "q", role: "user", content: "weather and time?" },
        {
          ...base,
          messageId: "calls",
          role: "assistant",
          content: "",
          toolCalls: [
            { id: "c1", type: "function", function: { name: "weather", arguments: "{}" } },
            { id: "c2", type: "function", function: { name: "time", arguments: "{}" } },
          ],
        },
      ]);
      const sb = await b.getSession(sa.sessionId);
      const append = aStorage.appendMessages.bind(aStorage);
      let rb: unknown;
      aStorage.appendMessages = async (id, messages, counters) => {
        if (messages.length === 1 && messages[0]!.toolCallId === "c1") {
          // A decided to hold c1 (c2 unanswered), then stalls past its lease before storing it;
          // B answers c2 meanwhile, sees c1 unanswered, and holds c2.
          await sleep(2 * LEASE_MS);
          rb = await sb.sendMessage("12:00", { role: "tool", toolCallId: "c2" }).catch((e) => e);
        }
        return append(id, messages, counters);
      };
      const ra = await sa.sendMessage("sunny", { role: "tool", toolCallId: "c1" }).catch((e) => e);
      expect(rb).toMatchObject({ role: "tool", content: "12:00" }); // held: c1 looked unanswered
      expect(ra).toBeInstanceOf(ConcurrencyError); // nothing stored: it was decided on stale state
      aStorage.appendMessages = append;
      const retried = await sa.sendMessage("sunny", { role: "tool", toolCallId: "c1" });
      expect(retried.role).toBe("assistant"); // both results went to the model together
      const stored = await sb.getMessages();
      expect(stored.slice(2).map((m) => [m.role, m.toolCallId ?? m.content])).toEqual([
        ["tool", "c2"],
        ["tool", "c1"],
        ["assistant", retried.content],
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
