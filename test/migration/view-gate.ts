import { StorageError } from "../../src/errors.js";
import { writeV1 } from "./fix-helpers.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";

/**
 * A SQLite target whose appends wait until `open()` (a big V1 session, a remote database):
 * `appending` resolves once the first append is asked for, so a test acts while a migration has
 * written the session's record and its messages are on their way. With `fail`, appends then fail.
 */
export function gatedAppends(dbPath: string, fail = false) {
  const inner = sqliteStorage({ dbPath });
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let appended!: () => void;
  const appending = new Promise<void>((resolve) => (appended = resolve));
  const storage: SessionStorage = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === "appendMessages") {
        return async (...args: Parameters<SessionStorage["appendMessages"]>) => {
          appended();
          await opened;
          if (fail) throw new StorageError("sqlite", "the disk is full");
          return inner.appendMessages(...args);
        };
      }
      return typeof value === "function" ? (value as () => unknown).bind(target) : value;
    },
  });
  return { storage, open, appending };
}

/** `role:content` of each message a SQLite file holds under `sessionId` (read afresh); null: none. */
export async function storedTranscript(
  dbPath: string,
  sessionId: string,
): Promise<string[] | null> {
  const storage = sqliteStorage({ dbPath });
  try {
    if (!(await storage.getSession(sessionId))) return null;
    return (await storage.getMessages(sessionId)).map((m) => `${m.role}:${m.content}`);
  } finally {
    await storage.close();
  }
}

/** Whether `promise` has settled once every pending callback and I/O event has run. */
export async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

/** A V1 file holding one session `id` of user u1 on the mock: "hi", then "yo". */
export function writeHiYo(path: string, id: string): void {
  const hi = { id: "m0", role: "user", content: "hi", timestamp: "2024-03-04T09:00:00.000001" };
  const yo = {
    id: "m1",
    role: "assistant",
    content: "yo",
    timestamp: "2024-03-04T09:00:01.000001",
  };
  writeV1(path, [
    { session_id: id, user_id: "u1", provider: "mock", model: "mock-model", messages: [hi, yo] },
  ]);
}
