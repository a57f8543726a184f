// V1 (SQLite's default rollback journal) killed mid-write leaves a hot journal next to its file:
// the file holds uncommitted pages that only a read-write open rolls back.
import Database from "better-sqlite3";
import { copyFileSync, existsSync, statSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { migrateV1, SessionBridge, V1HotJournalError } from "../../src/migration/index.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { dumpTarget, tempDir } from "./helpers.js";

const tmp = tempDir("mig-hot-journal-");
afterAll(tmp.cleanup);

/**
 * A V1 file as a writer killed mid-transaction leaves it: a copy of the file and its journal
 * taken while the transaction has spilled uncommitted pages into the file (no process holds a
 * lock on the copy, so its journal is hot, exactly as after a SIGKILL).
 */
function tornV1File(): string {
  const original = tmp.path("v1.db");
  const sessions = Array.from({ length: 100 }, (_, i) => ({
    session_id: `s${i}`,
    user_id: "u",
    messages: v1Messages(6),
  }));
  writeV1(original, sessions);
  const db = new Database(original);
  try {
    db.pragma("cache_size = 2"); // spill early
    db.exec("BEGIN IMMEDIATE");
    const rows = db.prepare("SELECT session_id, history FROM sessions").all() as {
      session_id: string;
      history: string;
    }[];
    const update = db.prepare("UPDATE sessions SET history = ? WHERE session_id = ?");
    for (const r of rows)
      update.run(r.history.replaceAll('"content": "c', '"content": "X'), r.session_id);
    const torn = tmp.path("torn.db");
    copyFileSync(`${original}-journal`, `${torn}-journal`);
    copyFileSync(original, torn);
    db.exec("ROLLBACK");
    return torn;
  } finally {
    db.close();
  }
}

it("refuses a V1 file with a hot journal up front, naming the file and what to do", async () => {
  const source = tornV1File();
  expect(statSync(`${source}-journal`).size).toBeGreaterThan(0);
  const target = tmp.path("v2.db");
  const run = migrateV1({ source, target, timezone: "UTC" });
  await expect(run).rejects.toBeInstanceOf(V1HotJournalError);
  await expect(run).rejects.toThrow(/V1 stopped mid-write.*open the file once with sqlite3/);
  await expect(run).rejects.toMatchObject({ path: source, field: "source" });
  expect(existsSync(target)).toBe(false);

  const manager = createSessionManager({ storage: "memory" });
  const bridge = new SessionBridge(manager, source, { timezone: "UTC" });
  await expect(bridge.getSession("s1")).rejects.toBeInstanceOf(V1HotJournalError);
  await bridge.close();
  await manager.close();

  // What the error says to do: one read-write open rolls the journal back.
  const fixer = new Database(source);
  fixer.prepare("SELECT count(*) FROM sessions").get();
  fixer.close();
  const report = await migrateV1({ source, target, timezone: "UTC" });
  expect(report).toMatchObject({ migratedSessions: 100, failedSessions: 0 });
  const contents = dumpTarget(target).messages.map((m) => (m as { content: string }).content);
  expect(contents.filter((c) => c.startsWith("X"))).toEqual([]);
});
