import { expect, inject, it } from "vitest";
import { createSessionManager, StorageError } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { freshDatabase, startPostgres, withPg } from "./helpers/postgres.js";
import { freezeDuringTurn } from "./helpers/frozen.js";
import { expectWholeTurns, kill, runTurns, spawnTurns, waitFor } from "./helpers/turns.js";
import type { StoredRow } from "./helpers/turns.js";

// A database of this file's own on the run's shared server.
const url = await freshDatabase(inject("postgresUrl"));

async function newSessions(connectionString: string, count: number): Promise<string[]> {
  const manager = createSessionManager({
    storage: "postgres",
    storageConfig: { connectionString },
  });
  const sessions = [];
  for (let i = 0; i < count; i++) sessions.push(await manager.createSession("u", "mock", "m"));
  await manager.close();
  return sessions.map((s) => s.sessionId);
}

/** Checks every session's stored log as a whole (see `expectWholeTurns`); returns the rows. */
async function expectIntact(connectionString: string, ids: string[]): Promise<StoredRow[][]> {
  return withPg(connectionString, async (c) => {
    const logs: StoredRow[][] = [];
    for (const id of ids) {
      const { rows } = await c.query<StoredRow & { tokens: number | null }>(
        `SELECT seq::int, role, content, (extras::json ->> 'tokenCount')::int AS tokens
         FROM messages WHERE session_id = $1 ORDER BY seq`,
        [id],
      );
      const { rows: counters } = await c.query(
        `SELECT message_count::int, last_seq::int, output_tokens::int
         FROM sessions WHERE session_id = $1`,
        [id],
      );
      const { output_tokens: outputTokens, ...counts } = counters[0];
      expectWholeTurns(
        rows.map(({ seq, role, content }) => ({ seq, role, content })),
        counts,
        { historyAware: true },
      );
      // The token counter is the sum of the replies' own counts: no turn counted twice or lost.
      expect(outputTokens).toBe(rows.reduce((sum, r) => sum + (r.tokens ?? 0), 0));
      logs.push(rows);
    }
    return logs;
  });
}

it("four processes, 250 turns each over 10 shared sessions: every turn stored whole, in turn", async () => {
  const sessions = await newSessions(url, 10);
  const turns = 250;
  const tags = ["a", "b", "c", "d"];
  await Promise.all(
    tags.map((tag) =>
      runTurns({
        storage: "postgres",
        storageConfig: { connectionString: url },
        sessions,
        turns,
        tag,
        historyAware: true,
      }),
    ),
  );
  const logs = await expectIntact(url, sessions);
  const all = logs.flat();
  expect(all).toHaveLength(2 * tags.length * turns); // 1,000 turns: 2,000 messages
  // Each process's turns on a session were stored in the order it sent them.
  for (const [k, log] of logs.entries()) {
    for (const tag of tags) {
      const mine = log.filter((r) => r.role === "user" && r.content.startsWith(`${tag}-`));
      const sent = Array.from({ length: turns / 10 }, (_, j) => `${tag}-${k + 10 * j}`);
      expect(mine.map((r) => r.content)).toEqual(sent);
    }
  }
}, 60_000);

it("a writer killed with SIGKILL mid-run, 10 times: no partial turn, no broken counter, the next carries on", async () => {
  const sessions = await newSessions(url, 2);
  // A short lease: the next process takes over the dead one's sessions soon after it expires.
  const job = {
    storage: "postgres" as const,
    storageConfig: { connectionString: url, poolSize: 2 },
    sessions,
    turns: 1_000_000,
    historyAware: true,
    turnLeaseMs: 400,
  };
  for (let round = 0; round < 10; round++) {
    const worker = spawnTurns({ ...job, tag: `r${round}` });
    await waitFor(() => worker.turnsDone() >= 4); // it carries on where the last one died
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 30)); // mid-turn
    await kill(worker.child);
  }
  const users = (await expectIntact(url, sessions)).flat().filter((r) => r.role === "user");
  for (let round = 0; round < 10; round++) {
    expect(users.filter((r) => r.content.startsWith(`r${round}-`)).length).toBeGreaterThanOrEqual(
      4,
    );
  }
}, 60_000);

it("a server restart mid-run: the same manager recovers, and nothing is half-written", async () => {
  const server = await startPostgres({ persistent: true }); // its own: the shared one stays up
  try {
    const manager = createSessionManager({
      storage: "postgres",
      storageConfig: { connectionString: server.url, poolSize: 4 },
      providers: { mock: { adapter: new MockProvider({ historyAware: true }) } },
    });
    const sessions = await Promise.all(
      [1, 2, 3, 4].map(() => manager.createSession("u", "mock", "m")),
    );
    let stored = 0;
    const failures: unknown[] = [];
    let running = true;
    const loops = sessions.map(async (session, k) => {
      for (let i = 0; running; i++) {
        try {
          await session.sendMessage(`s${k}-${i}`);
          stored++;
        } catch (error) {
          failures.push(error);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });
    await waitFor(() => stored >= 40);
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.start();
    const before = stored;
    await waitFor(() => stored >= before + 40);
    running = false;
    await Promise.all(loops);
    expect(failures.length).toBeGreaterThan(0); // turns during the outage failed...
    for (const f of failures) expect(f).toBeInstanceOf(StorageError); // ...clearly
    await expectIntact(
      server.url,
      sessions.map((s) => s.sessionId),
    );
    await manager.close();
  } finally {
    await server.destroy();
  }
}, 60_000);

it("a process frozen past its turn lease does not store a reply answered without the turn that ran meanwhile", async () => {
  const [sessionId] = await newSessions(url, 1);
  const storageConfig = { connectionString: url };
  const { frozen, other } = await freezeDuringTurn("postgres", storageConfig, sessionId!);
  expect(other.content).toBe("Echo: other [after 0]");
  expect(frozen).toEqual({ error: "CONCURRENCY_ERROR" });
  const manager = createSessionManager({ storage: "postgres", storageConfig });
  const session = await manager.getSession(sessionId!);
  const messages = await session.getMessages();
  const { totalMessages } = await session.getMetrics();
  await manager.close();
  expect(messages.map((m) => [m.role, m.content, m.metadata.unanswered])).toEqual([
    ["user", "other", undefined],
    ["assistant", "Echo: other [after 0]", undefined],
    ["user", "frozen", true],
  ]);
  expect(totalMessages).toBe(3);
}, 30_000);
