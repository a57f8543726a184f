import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";
import { freezeDuringTurn } from "./helpers/frozen.js";
import {
  expectWholeTurns,
  kill,
  runTurns,
  spawnTurns,
  waitFor,
  type StoredRow,
} from "./helpers/turns.js";

const dir = mkdtempSync(join(tmpdir(), "lss-procs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function newSession(dbPath: string): Promise<string> {
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  const session = await manager.createSession("u", "mock", "m");
  await manager.close();
  return session.sessionId;
}

type Counters = { message_count: number; last_seq: number };

function stored(dbPath: string): { rows: StoredRow[]; counters: Counters } {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare("SELECT seq, role, content FROM messages ORDER BY seq").all();
  const counters = db.prepare("SELECT message_count, last_seq FROM sessions").get();
  db.close();
  return { rows: rows as StoredRow[], counters: counters as Counters };
}

it("two processes appending to one SQLite file lose nothing and never reuse a sequence number", async () => {
  const dbPath = join(dir, "shared.db");
  const sessionId = await newSession(dbPath);
  const turns = 300;
  await Promise.all(
    ["a", "b"].map((tag) =>
      runTurns({ storage: "sqlite", storageConfig: { dbPath }, sessions: [sessionId], turns, tag }),
    ),
  );
  const { rows, counters } = stored(dbPath);
  expect(rows).toHaveLength(4 * turns);
  expectWholeTurns(rows, counters);
  for (const tag of ["a", "b"]) {
    const mine = rows
      .filter((r) => r.role === "user" && r.content.startsWith(`${tag}-`))
      .map((r) => r.content);
    expect(mine).toEqual(Array.from({ length: turns }, (_, i) => `${tag}-${i}`));
  }
}, 60_000);

it("serialises whole turns across processes when replies depend on the history (turn lease)", async () => {
  const dbPath = join(dir, "leased.db");
  const sessionId = await newSession(dbPath);
  const turns = 60;
  await Promise.all(
    ["a", "b"].map((tag) =>
      runTurns({
        storage: "sqlite",
        storageConfig: { dbPath },
        sessions: [sessionId],
        turns,
        tag,
        historyAware: true,
      }),
    ),
  );
  const { rows, counters } = stored(dbPath);
  expect(rows).toHaveLength(4 * turns);
  // Each reply saw exactly the transcript stored before its own input: no two turns overlapped.
  expectWholeTurns(rows, counters, { historyAware: true });
}, 60_000);

it("a writer killed with SIGKILL mid-run leaves no partial turn and no broken counter", async () => {
  const dbPath = join(dir, "crash.db");
  const sessionId = await newSession(dbPath);
  for (let round = 0; round < 5; round++) {
    const { child, turnsDone } = spawnTurns({
      storage: "sqlite",
      storageConfig: { dbPath },
      sessions: [sessionId],
      turns: 1_000_000,
      tag: `r${round}`,
    });
    // Killed mid-run, however long the process took to start on a busy machine.
    await waitFor(() => turnsDone() > 0);
    await new Promise((resolve) => setTimeout(resolve, 20 + round * 15));
    await kill(child);
  }
  const { rows, counters } = stored(dbPath);
  expect(rows.length).toBeGreaterThan(10);
  expectWholeTurns(rows, counters);
}, 60_000);

it("a process frozen past its turn lease does not store a reply answered without the turn that ran meanwhile", async () => {
  const dbPath = join(dir, "frozen.db");
  const sessionId = await newSession(dbPath);
  const { frozen, other } = await freezeDuringTurn("sqlite", { dbPath }, sessionId);
  expect(other.content).toBe("Echo: other [after 0]");
  expect(frozen).toEqual({ error: "CONCURRENCY_ERROR" });
  // The frozen turn's input is kept, after the other turn, marked unanswered; its reply is not.
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  const messages = await (await manager.getSession(sessionId)).getMessages();
  await manager.close();
  expect(messages.map((m) => [m.role, m.content])).toEqual([
    ["user", "other"],
    ["assistant", "Echo: other [after 0]"],
    ["user", "frozen"],
  ]);
  expect(messages[2]!.metadata).toMatchObject({
    unanswered: true,
    error: { code: "CONCURRENCY_ERROR" },
  });
  const { counters } = stored(dbPath);
  expect(counters).toEqual({ message_count: 3, last_seq: 3 });
}, 30_000);
