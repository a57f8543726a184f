import { V1Reader } from "../../src/migration/v1-reader.js";
import { V1Clock } from "../../src/migration/v1-time.js";
import { convertSession } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";
import type { V1MessageSpec, V1Row, V1SessionSpec } from "./v1-fixture.js";

/** Writes (or re-saves, as V1 does on every save) V1 rows into a V1 file. */
export function writeV1(path: string, specs: V1SessionSpec[], raw: V1Row[] = []): void {
  const db = openV1Database(path);
  insertV1Rows(db, [...specs.map(v1Row), ...raw]);
  db.close();
}

/** `n` V1 messages m0.., alternating user and assistant. */
export function v1Messages(n: number): V1MessageSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    role: i % 2 ? "assistant" : "user",
    content: `c${i}`,
    timestamp: `2024-03-04T09:00:0${i}.000001`,
  }));
}

/** Leaves the target as a run killed right after `createSession`, before `appendMessages`. */
export async function halfWrite(source: string, target: string, timeZone: string): Promise<void> {
  const reader = await V1Reader.open(source);
  const storage = sqliteStorage({ dbPath: target });
  try {
    for (const e of reader.entries()) {
      if (!e.ok) continue;
      const options = {
        clock: new V1Clock(timeZone),
        sessionIds: "keep",
        providerMap: {},
      } as const;
      await storage.createSession(convertSession(e.session, options).record);
    }
  } finally {
    reader.close();
    await storage.close();
  }
}

/** A V1 message `id` of `role`, its content `id!`, written `s` seconds into one minute. */
export function v1Message(id: string, role: string, s: number) {
  const timestamp = `2024-03-04T09:00:${String(s).padStart(2, "0")}.000001`;
  return { id, role, content: `${id}!`, timestamp };
}

/** A target that answers every call, its appends after `ms` (a remote database, a big session). */
export function slowAppends(
  inner: SessionStorage,
  ms: number,
  onAppend: () => void,
): SessionStorage {
  return new Proxy(inner, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r) as unknown;
      if (p === "appendMessages") {
        return async (...args: Parameters<SessionStorage["appendMessages"]>) => {
          onAppend();
          await new Promise((x) => setTimeout(x, ms));
          return inner.appendMessages(...args);
        };
      }
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
