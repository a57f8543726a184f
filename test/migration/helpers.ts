import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStorage } from "../../src/storage/sqlite.js";

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix: string): {
  dir: string;
  path: (name: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every session and message row of a V2 SQLite file, in a stable order, as one comparable value. */
export function dumpTarget(path: string): { sessions: unknown[]; messages: unknown[] } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      sessions: db.prepare("SELECT * FROM sessions ORDER BY session_id").all(),
      messages: db.prepare("SELECT * FROM messages ORDER BY session_id, seq").all(),
    };
  } finally {
    db.close();
  }
}

/** The message ids of session "s1" in a SQLite target, in order. */
export async function storedIds(path: string): Promise<string[]> {
  const s = sqliteStorage({ dbPath: path });
  try {
    return (await s.getMessages("s1")).map((m) => m.messageId);
  } finally {
    await s.close();
  }
}
