import { afterAll, describe, expect, it } from "vitest";
import { SessionNotFoundError, ValidationError, createSessionManager } from "../../src/index.js";
import { SessionBridge, V1SessionView, migrateV1 } from "../../src/migration/index.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";
import { mismatchedRow } from "./v1-cases.js";

const tmp = tempDir("mig-bridge-fix-");
afterAll(tmp.cleanup);
const opts = { timezone: "UTC", providerMap: { openai: "mock" } };
let n = 0;

function setup(bridgeOptions: { sessionIds?: "keep" | "renew" } = {}) {
  const src = tmp.path(`v1-${++n}.db`);
  writeV1(src, [
    { session_id: "s1", user_id: "alice", messages: v1Messages(4) },
    { session_id: "s2", user_id: "alice", messages: v1Messages(2) },
  ]);
  const dst = tmp.path(`v2-${n}.db`);
  const manager = createSessionManager({
    storage: "sqlite",
    storageConfig: { dbPath: dst },
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, src, { ...opts, ...bridgeOptions });
  const close = async () => {
    await bridge.close();
    await manager.close();
  };
  return { src, dst, manager, bridge, close };
}

describe("SessionBridge fixes", () => {
  it("serves a session bulk-migrated with --renew-ids from V2 and does not copy it again", async () => {
    const { src, dst, manager, bridge, close } = setup();
    await migrateV1({ source: src, target: dst, ...opts, sessionIds: "renew" });
    const s = await bridge.getSession("s1");
    expect(s).not.toBeInstanceOf(V1SessionView);
    expect(s.sessionId).not.toBe("s1");
    await s.sendMessage("hi");
    expect((await manager.storage.getMemoryUsage()).sessions).toBe(2);
    await close();
  });

  it("migrates with renewed ids when told to", async () => {
    const { manager, bridge, close } = setup({ sessionIds: "renew" });
    const view = await bridge.getSession("s1");
    await view.sendMessage("hi");
    expect(view.sessionId).toMatch(/^[0-9a-f]{8}-/);
    expect(await manager.storage.getSession("s1")).toBeNull();
    const again = await bridge.getSession("s1");
    expect(again.sessionId).toBe(view.sessionId);
    expect((await again.getMessages()).length).toBe(6);
    await close();
  });

  it("refuses to create a session under a V1 session's id", async () => {
    const { bridge, close } = setup();
    const create = bridge.createSession("alice", "mock", "m", {
      sessionConfig: { sessionId: "s1" },
    });
    await expect(create).rejects.toThrow(ValidationError);
    await expect(create).rejects.toThrow(/a V1 session has this id/);
    expect(await (await bridge.getSession("s1")).getMessages()).toHaveLength(4);
    await close();
  });

  it("treats a missing V1 file as no V1 sessions", async () => {
    const manager = createSessionManager({ storage: "memory", providers: { mock: null } });
    const bridge = new SessionBridge(manager, tmp.path("removed-after-migration.db"));
    await expect(bridge.getSession("nope")).rejects.toThrow(SessionNotFoundError);
    const created = await bridge.createSession("alice", "mock", "m", {
      sessionConfig: { sessionId: "mine" },
    });
    expect((await bridge.getSession("mine")).sessionId).toBe(created.sessionId);
    await bridge.close();
    await manager.close();
  });

  it("a view reads from V2 once another view has migrated the session", async () => {
    const { bridge, close } = setup();
    const a = await bridge.getSession("s1");
    const b = await bridge.getSession("s1");
    await b.sendMessage("hello");
    const viaB = await b.getMessages();
    expect(await a.getMessages()).toEqual(viaB);
    expect((await a.getMetrics()).totalMessages).toBe(viaB.length);
    expect((await a.refresh()).messageCount).toBe(viaB.length);
    await close();
  });

  it("a view reads from V2 once migrateV1 has migrated the session", async () => {
    const { src, dst, manager, bridge, close } = setup();
    const a = await bridge.getSession("s1");
    await migrateV1({ source: src, target: dst, ...opts });
    const v2 = await manager.getSession("s1");
    await v2.sendSystemMessage("added in V2");
    expect(await a.getMessages()).toHaveLength(5);
    await close();
  });

  it("lists a user's V2 sessions and their V1 sessions not migrated yet", async () => {
    const { bridge, close } = setup();
    const before = await bridge.getUserSessions("alice");
    expect(before.map((s) => [s.sessionId, s instanceof V1SessionView])).toEqual([
      ["s1", true],
      ["s2", true],
    ]);
    await (await bridge.getSession("s1")).sendMessage("hi");
    const after = await bridge.getUserSessions("alice");
    expect(after.map((s) => [s.sessionId, s instanceof V1SessionView])).toEqual([
      ["s1", false],
      ["s2", true],
    ]);
    expect(await bridge.getUserSessions("alice", { status: "archived" })).toHaveLength(0);
    expect(await bridge.getUserSessions("bob")).toHaveLength(0);
    await close();
  });

  it("refuses to delete a V1-only session: the V1 file is never modified, so it would come back", async () => {
    const { bridge, close } = setup();
    await expect(bridge.deleteSession("s2")).rejects.toMatchObject({ field: "sessionId" });
    expect(await bridge.getSession("s2")).toBeInstanceOf(V1SessionView);
    expect((await bridge.getUserSessions("alice")).map((s) => s.sessionId)).toContain("s2");
    await close();
  });

  it("archives a V1-only session by migrating it first; deletes only what V1 no longer holds", async () => {
    const { manager, bridge, close } = setup();
    await bridge.archiveSession("s2");
    expect((await manager.getSession("s2")).status).toBe("archived");
    expect(await manager.getSession("s2").then((s) => s.getMessages())).toHaveLength(2);
    // Migrated, but its V1 row is still there: a delete would not stick.
    await expect(bridge.deleteSession("s2")).rejects.toMatchObject({ field: "sessionId" });
    const fresh = await bridge.createSession("alice", "mock", "m");
    expect(await bridge.deleteSession(fresh.sessionId)).toBe(true);
    expect(await manager.storage.getSession(fresh.sessionId)).toBeNull();
    expect(await bridge.deleteSession("nope")).toBe(false);
    await close();
  });
});

/**
 * SessionBridge.getUserSessions found a user's V1 sessions by the `user_id` COLUMN, while every
 * other path (getSession's { userId } check, the migrator, the view's userId) uses
 * metadata.user_id. For a row where they disagree (hand edit; the migrator warns about it) the
 * listing of user A returned a session that belongs to user B — one that
 * getSession(id, { userId: A }) refuses — and user B's listing left it out.
 */
it("lists a V1 session only for the user it belongs to (the user getSession accepts)", async () => {
  const src = tmp.path("v1.db");
  writeV1(src, [], [mismatchedRow()]); // column user_id "column-user", metadata.user_id "json-user"
  const manager = createSessionManager({
    storage: sqliteStorage({ dbPath: tmp.path("v2.db") }),
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, src, {
    timezone: "UTC",
    providerMap: { openai: "mock" },
  });
  try {
    // The session is json-user's: that is who getSession serves it to.
    const own = await bridge.getSession("session_mismatch", { userId: "json-user" });
    expect(own.userId).toBe("json-user");
    await expect(bridge.getSession("session_mismatch", { userId: "column-user" })).rejects.toThrow(
      /not found/,
    );

    const other = await bridge.getUserSessions("column-user");
    expect(other.map((s) => [s.sessionId, s.userId])).toEqual([]);
    const mine = await bridge.getUserSessions("json-user");
    expect(mine.map((s) => s.sessionId)).toEqual(["session_mismatch"]);
  } finally {
    await bridge.close();
    await manager.close();
  }
});

it("lists a V1 session for its new user once the V1 file changed (a hand edit while serving)", async () => {
  const src = tmp.path("edited-v1.db");
  writeV1(src, [{ session_id: "session_mismatch", user_id: "column-user", messages: [] }]);
  const manager = createSessionManager({
    storage: sqliteStorage({ dbPath: tmp.path("edited-v2.db") }),
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, src, opts);
  const ids = async (user: string) => (await bridge.getUserSessions(user)).map((s) => s.sessionId);
  try {
    expect(await ids("json-user")).toEqual([]);
    writeV1(src, [], [mismatchedRow()]); // column user_id "column-user", metadata.user_id "json-user"
    expect(await ids("json-user")).toEqual(["session_mismatch"]);
    expect(await ids("column-user")).toEqual([]);
  } finally {
    await bridge.close();
    await manager.close();
  }
});
