import { executionAsyncResource } from "node:async_hooks";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";

/** What test/workers/turns.mjs is told to do. */
export interface TurnJob {
  storage: "sqlite" | "postgres";
  storageConfig: Record<string, unknown>;
  sessions: string[];
  turns: number;
  tag: string;
  historyAware?: boolean;
  turnLeaseMs?: number;
  progress?: boolean;
}

const worker = join(import.meta.dirname, "..", "workers", "turns.mjs");
const run = promisify(execFile);

/** Runs a worker process to the end (it imports the built package: `npm run build` first). */
export async function runTurns(job: TurnJob): Promise<void> {
  await run(process.execPath, [worker, JSON.stringify({ ...job, progress: false })]);
}

/** Starts a worker that reports each stored turn; `turnsDone()` counts them so far. */
export function spawnTurns(job: TurnJob): { child: ChildProcess; turnsDone(): number } {
  const child = spawn(process.execPath, [worker, JSON.stringify({ ...job, progress: true })]);
  let done = 0;
  child.stdout.on("data", (chunk: Buffer) => (done += chunk.length));
  return { child, turnsDone: () => done };
}

/** Kills a worker with SIGKILL and waits until it is gone. */
export async function kill(child: ChildProcess): Promise<void> {
  const closed = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGKILL");
  await closed;
}

export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface StoredRow {
  seq: number;
  role: string;
  content: string;
}

/**
 * One session's stored log holds whole turns only: sequence numbers dense from 1, each user
 * message followed by its own reply (which, from a history-aware mock, names how many messages
 * came before it, so overlapping turns show), and counters equal to the rows.
 */
export function expectWholeTurns(
  rows: StoredRow[],
  counters: { message_count: number; last_seq: number },
  { historyAware = false } = {},
): void {
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  expect(rows.length % 2).toBe(0);
  const pairs = [];
  const expected = [];
  for (let i = 0; i < rows.length; i += 2) {
    pairs.push([rows[i]!.role, rows[i + 1]!.role, rows[i + 1]!.content]);
    const after = historyAware ? ` [after ${i}]` : "";
    expected.push(["user", "assistant", `Echo: ${rows[i]!.content}${after}`]);
  }
  expect(pairs).toEqual(expected);
  expect(counters).toEqual({ message_count: rows.length, last_seq: rows.length });
}

/** "settled" if the promise settles (either way) within `ms`, else "hang". */
export function within(p: Promise<unknown>, ms: number): Promise<"settled" | "hang"> {
  return Promise.race([
    p.then(
      () => "settled" as const,
      () => "settled" as const,
    ),
    new Promise<"hang">((resolve) => setTimeout(() => resolve("hang"), ms)),
  ]);
}

/** The storages a manager can make by name without a server. */
export const LOCAL_STORAGES = ["memory", "sqlite"] as const;

/** Options for a manager on memory, or on a private in-memory SQLite database. */
export function onStorage(storage: (typeof LOCAL_STORAGES)[number]) {
  return storage === "sqlite"
    ? ({ storage, storageConfig: { dbPath: ":memory:" } } as const)
    : ({ storage } as const);
}

/** How many AsyncLocalStorage instances propagate into a resource made now (a timer). */
export function enabledStorages(): Promise<number> {
  return new Promise<number>((resolve) =>
    setTimeout(() =>
      resolve(
        Object.getOwnPropertySymbols(executionAsyncResource()).filter((s) =>
          String(s).includes("ResourceStore"),
        ).length,
      ),
    ),
  );
}
