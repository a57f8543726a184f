// A migration killed between its two writes must end, once run again, exactly like one that was
// not: the kill is simulated by a target that stops answering right after a chosen write.
import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager, StorageError } from "../../src/index.js";
import {
  MigrationAbortedError,
  migrateV1,
  SessionBridge,
  V1SessionView,
  verifyMigration,
} from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";
import { halfWrite, v1Messages, writeV1 } from "./fix-helpers.js";
import { dumpTarget, tempDir } from "./helpers.js";

const tmp = tempDir("mig-crash-resume-");
afterAll(tmp.cleanup);
const TZ = "UTC";
let n = 0;

/** Answers until its first `updateSession` has been written, then never again (the SIGKILL). */
function dyingAfterUpdate(storage: SessionStorage): SessionStorage {
  let dead = false;
  return new Proxy(storage, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || key === "close") return value;
      return async (...args: unknown[]) => {
        if (dead) throw new StorageError("sqlite", "the process was killed");
        const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
        if (key === "updateSession") dead = true;
        return result;
      };
    },
  });
}

const v1 = (messages: number, status: string, day: string) =>
  [
    { session_id: "s1", user_id: "u", provider: "mock", status, messages: v1Messages(messages) },
  ].map((s) => ({ ...s, updated_at: `2024-03-${day}T10:00:00.000001` }));

/** A V1 file and two targets migrated from it: one to kill, one to run uninterrupted. */
async function migratedTwice(messages: number) {
  const source = tmp.path(`v1-${++n}.db`);
  const killed = tmp.path(`killed-${n}.db`);
  const clean = tmp.path(`clean-${n}.db`);
  writeV1(source, v1(messages, "active", "04"));
  for (const target of [killed, clean]) await migrateV1({ source, target, timezone: TZ });
  return { source, killed, clean };
}

/** A resume run killed right after its record update, before its append. */
async function killedResume(source: string, dbPath: string): Promise<void> {
  const storage = sqliteStorage({ dbPath });
  try {
    const run = migrateV1({ source, target: dyingAfterUpdate(storage), timezone: TZ });
    await expect(run).rejects.toBeInstanceOf(MigrationAbortedError);
  } finally {
    await storage.close();
  }
}

async function record(dbPath: string) {
  const storage = sqliteStorage({ dbPath });
  try {
    return (await storage.getSession("s1"))!;
  } finally {
    await storage.close();
  }
}

describe("a resume killed between its record update and its append", () => {
  it("ends like an uninterrupted resume when run again, and later V1 changes still come over", async () => {
    const { source, killed, clean } = await migratedTwice(6);
    writeV1(source, v1(9, "active", "05")); // V1 gained 3 messages
    await killedResume(source, killed);
    const rerun = await migrateV1({ source, target: killed, timezone: TZ });
    expect(rerun).toMatchObject({ migratedSessions: 1, migratedMessages: 3, failedSessions: 0 });
    await migrateV1({ source, target: clean, timezone: TZ });
    expect(dumpTarget(killed)).toEqual(dumpTarget(clean));
    const r = await record(killed);
    expect(r.updatedAt.toISOString()).toBe("2024-03-05T10:00:00.000Z");
    expect(r.lastActivity.toISOString()).toBe("2024-03-05T10:00:00.000Z");

    writeV1(source, v1(9, "archived", "06")); // the session is still untouched in V2
    const third = await migrateV1({ source, target: killed, timezone: TZ });
    expect(third).toMatchObject({ migratedSessions: 1, warnings: [] });
    expect((await record(killed)).status).toBe("archived");
    expect((await verifyMigration({ source, target: killed, timezone: TZ })).ok).toBe(true);
  });

  it("is finished by the next run also when V1 changed only the record (no new messages)", async () => {
    const { source, killed, clean } = await migratedTwice(6);
    writeV1(source, v1(6, "archived", "05"));
    await killedResume(source, killed);
    const rerun = await migrateV1({ source, target: killed, timezone: TZ });
    expect(rerun).toMatchObject({ migratedSessions: 1, skippedSessions: 0 });
    await migrateV1({ source, target: clean, timezone: TZ });
    expect(dumpTarget(killed)).toEqual(dumpTarget(clean));
    expect((await record(killed)).updatedAt.toISOString()).toBe("2024-03-05T10:00:00.000Z");
  });

  it("is finished when V1 changed again before the next run", async () => {
    const { source, killed, clean } = await migratedTwice(6);
    writeV1(source, v1(8, "active", "05"));
    await killedResume(source, killed);
    await migrateV1({ source, target: clean, timezone: TZ });
    writeV1(source, v1(10, "archived", "06"));
    for (const target of [killed, clean]) await migrateV1({ source, target, timezone: TZ });
    expect(dumpTarget(killed)).toEqual(dumpTarget(clean));
    expect(await record(killed)).toMatchObject({ status: "archived", messageCount: 10 });
  });

  it("still leaves the record alone when V2 changed it after the kill", async () => {
    const { source, killed } = await migratedTwice(6);
    writeV1(source, v1(9, "active", "05"));
    await killedResume(source, killed);
    const manager = createSessionManager({ storage: "sqlite", storageConfig: { dbPath: killed } });
    await manager.archiveSession("s1");
    await manager.close();
    await migrateV1({ source, target: killed, timezone: TZ });
    expect(await record(killed)).toMatchObject({ status: "archived", messageCount: 9 });
  });

  it("the bridge completes it before serving the session", async () => {
    const { source, killed, clean } = await migratedTwice(6);
    writeV1(source, v1(9, "active", "05"));
    await killedResume(source, killed);
    const manager = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath: killed },
      providers: { mock: null },
    });
    const bridge = new SessionBridge(manager, source, { timezone: TZ });
    try {
      const session = await bridge.getSession("s1");
      expect((await session.getMessages()).map((m) => m.messageId)).toEqual(
        v1Messages(9).map((m) => m.id),
      );
    } finally {
      await bridge.close();
      await manager.close();
    }
    await migrateV1({ source, target: clean, timezone: TZ });
    expect(dumpTarget(killed)).toEqual(dumpTarget(clean));
  });
});

describe("bridge.getUserSessions on a first migration killed after createSession", () => {
  it("lists the session with V1's messages, and a turn on it keeps them", async () => {
    const source = tmp.path(`v1-${++n}.db`);
    const dbPath = tmp.path(`v2-${n}.db`);
    writeV1(source, [
      { session_id: "s1", user_id: "u", provider: "mock", messages: v1Messages(4) },
    ]);
    await halfWrite(source, dbPath, TZ);
    const manager = createSessionManager({
      storage: "sqlite",
      storageConfig: { dbPath },
      providers: { mock: null },
    });
    const bridge = new SessionBridge(manager, source, { timezone: TZ });
    try {
      const listed = await bridge.getUserSessions("u");
      expect(listed).toHaveLength(1);
      expect(listed[0]).not.toBeInstanceOf(V1SessionView);
      expect(await listed[0]!.getMessages()).toHaveLength(4);
      await listed[0]!.sendMessage("hi");
      const after = await (await bridge.getSession("s1")).getMessages();
      expect(after.map((m) => m.content)).toEqual(["c0", "c1", "c2", "c3", "hi", "Echo: hi"]);
    } finally {
      await bridge.close();
      await manager.close();
    }
  });
});
