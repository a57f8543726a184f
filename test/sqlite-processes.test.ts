import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "lss-procs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("two processes appending to one SQLite file lose nothing and never reuse a sequence number", async () => {
  const dbPath = join(dir, "shared.db");
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  const session = await manager.createSession("u", "mock", "m");
  await manager.close();
  const worker = join(import.meta.dirname, "workers", "sqlite-appender.mjs");
  const turns = 300;
  await Promise.all(
    ["a", "b"].map((tag) =>
      run(process.execPath, [worker, dbPath, session.sessionId, String(turns), tag]),
    ),
  );

  const db = new Database(dbPath, { readonly: true });
  const rows = db
    .prepare("SELECT seq, role, content FROM messages WHERE session_id = ? ORDER BY seq")
    .all(session.sessionId) as { seq: number; role: string; content: string }[];
  const counters = db.prepare("SELECT message_count, last_seq FROM sessions").get() as Record<
    string,
    number
  >;
  db.close();
  expect(rows).toHaveLength(4 * turns);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  for (let i = 0; i < rows.length; i += 2)
    expect(rows[i + 1]!.content).toBe(`Echo: ${rows[i]!.content}`);
  for (const tag of ["a", "b"]) {
    const mine = rows
      .filter((r) => r.role === "user" && r.content.startsWith(`${tag}-`))
      .map((r) => r.content);
    expect(mine).toEqual(Array.from({ length: turns }, (_, i) => `${tag}-${i}`));
  }
  expect(counters).toEqual({ message_count: 4 * turns, last_seq: 4 * turns });
}, 60_000);

it("serialises whole turns across processes when replies depend on the history (turn lease)", async () => {
  const dbPath = join(dir, "leased.db");
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  const session = await manager.createSession("u", "mock", "m");
  const worker = join(import.meta.dirname, "workers", "sqlite-appender.mjs");
  const turns = 60;
  await Promise.all(
    ["a", "b"].map((tag) =>
      run(process.execPath, [worker, dbPath, session.sessionId, String(turns), tag, "1"]),
    ),
  );
  const all = await session.getMessages();
  await manager.close();
  expect(all).toHaveLength(4 * turns);
  // Each reply saw exactly the transcript stored before its own input: no two turns overlapped.
  for (let i = 0; i < all.length; i += 2)
    expect(all[i + 1]!.content).toBe(`Echo: ${all[i]!.content} [after ${i}]`);
}, 60_000);

it("a writer killed with SIGKILL mid-run leaves no partial turn and no broken counter", async () => {
  const dbPath = join(dir, "crash.db");
  const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  const session = await manager.createSession("u", "mock", "m");
  await manager.close();
  const worker = join(import.meta.dirname, "workers", "sqlite-appender.mjs");
  for (let round = 0; round < 5; round++) {
    const child = spawn(process.execPath, [
      worker,
      dbPath,
      session.sessionId,
      "1000000",
      `r${round}`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 250 + round * 40));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("close", resolve));
  }
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare("SELECT seq, role, content FROM messages ORDER BY seq").all() as {
    seq: number;
    role: string;
    content: string;
  }[];
  const counters = db.prepare("SELECT message_count, last_seq FROM sessions").get() as Record<
    string,
    number
  >;
  db.close();
  expect(rows.length).toBeGreaterThan(10);
  expect(rows.length % 2).toBe(0);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  for (let i = 0; i < rows.length; i += 2)
    expect(rows[i + 1]!.content).toBe(`Echo: ${rows[i]!.content}`);
  expect(counters).toEqual({ message_count: rows.length, last_seq: rows.length });
}, 60_000);
