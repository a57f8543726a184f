import { afterAll, describe, expect, it } from "vitest";
import { ValidationError, createSessionManager } from "../../src/index.js";
import { SessionBridge, V1SessionView, migrateV1 } from "../../src/migration/index.js";
import { writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";
import { insertV1Rows, openV1Database, v1Row } from "./v1-fixture.js";

const tmp = tempDir("mig-bridge-sources-");
afterAll(tmp.cleanup);
const opts = { timezone: "UTC", providerMap: { openai: "mock" } };
const at = (s: number): string => `2024-03-04T09:00:0${s}.000001`;
const said = (content: string) => [{ id: "u1", role: "user", content, timestamp: at(1) }];

function open(src: string, dst: string, sessionIds: "keep" | "renew" = "keep") {
  const manager = createSessionManager({
    storage: "sqlite",
    storageConfig: { dbPath: dst },
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, src, { ...opts, sessionIds });
  const close = async () => {
    await bridge.close();
    await manager.close();
  };
  return { manager, bridge, close };
}

describe("SessionBridge over one V1 file, V2 holding another V1 file's session of the same id", () => {
  function setup(name: string) {
    const a = tmp.path(`${name}-a.db`);
    const b = tmp.path(`${name}-b.db`);
    const dst = tmp.path(`${name}-v2.db`);
    writeV1(a, [{ session_id: "default", user_id: "alice", messages: said("alice's secret") }]);
    writeV1(b, [{ session_id: "default", user_id: "bob", messages: said("bob's secret") }]);
    return { a, b, dst };
  }

  it("serves this file's session read-only; its first change is refused, typed", async () => {
    const { a, b, dst } = setup("other");
    await migrateV1({ source: b, target: dst, ...opts });
    const { bridge, close } = open(a, dst);
    try {
      const s = await bridge.getSession("default");
      expect(s).toBeInstanceOf(V1SessionView);
      expect(s.userId).toBe("alice");
      expect((await s.getMessages())[0]!.content).toBe("alice's secret");
      const send = s.sendMessage("hi");
      await expect(send).rejects.toThrow(ValidationError);
      await expect(send).rejects.toMatchObject({ field: "sessionId" });
      await expect(send).rejects.toThrow(/migrated from another V1 database/);
      expect((await bridge.getSession("default")).userId).toBe("alice");
    } finally {
      await close();
    }
  });

  it("with renewed ids, migrates this file's session and serves it through its V1 id", async () => {
    const { a, b, dst } = setup("renew");
    await migrateV1({ source: b, target: dst, ...opts });
    const { bridge, close } = open(a, dst, "renew");
    try {
      await (await bridge.getSession("default")).sendMessage("hi");
      const s = await bridge.getSession("default");
      expect(s).not.toBeInstanceOf(V1SessionView);
      expect(s.sessionId).not.toBe("default");
      expect(s.userId).toBe("alice");
    } finally {
      await close();
    }
  });

  it("still serves from V2 a session migrated from this file, and one created in V2", async () => {
    const { a, dst } = setup("own");
    await migrateV1({ source: a, target: dst, ...opts });
    const { manager, bridge, close } = open(a, dst);
    try {
      const own = await bridge.getSession("default");
      expect(own).not.toBeInstanceOf(V1SessionView);
      expect(own.userId).toBe("alice");
      await manager.createSession({
        userId: "carol",
        provider: "mock",
        model: "m",
        sessionConfig: { sessionId: "native" },
      });
      expect((await bridge.getSession("native")).userId).toBe("carol");
    } finally {
      await close();
    }
  });
});

describe("SessionBridge listings", () => {
  it("lists a V1 session whose user id is a number in V1's JSON", async () => {
    const src = tmp.path("numeric.db");
    const row = v1Row({ session_id: "s1", user_id: "42", messages: said("hi") });
    row.metadata = row.metadata.replace('"user_id": "42"', '"user_id": 42');
    const db = openV1Database(src);
    insertV1Rows(db, [row]);
    db.close();
    const { bridge, close } = open(src, tmp.path("numeric-v2.db"));
    try {
      const list = await bridge.getUserSessions("42");
      expect(list.map((s) => [s.sessionId, s.userId])).toEqual([["s1", "42"]]);
      expect(list.unreadable).toEqual([]);
    } finally {
      await close();
    }
  });

  it("names the V1 rows it cannot read instead of leaving them out silently", async () => {
    const src = tmp.path("corrupt.db");
    const bad = v1Row({ session_id: "bad", user_id: "u", messages: said("x") });
    bad.history = "{";
    const db = openV1Database(src);
    insertV1Rows(db, [v1Row({ session_id: "ok", user_id: "u", messages: said("x") }), bad]);
    db.close();
    const { bridge, close } = open(src, tmp.path("corrupt-v2.db"));
    try {
      const list = await bridge.getUserSessions("u");
      expect(list.map((s) => s.sessionId)).toEqual(["ok"]);
      expect(list.unreadable).toEqual([
        { sessionId: "bad", error: expect.stringMatching(/bad cannot be read: history/) },
      ]);
    } finally {
      await close();
    }
  });
});

describe("SessionBridge on a V1 session no V2 backend can store", () => {
  it("serves it read-only; a refused migration leaves it readable", async () => {
    const src = tmp.path("nul.db");
    const messages = [
      ...said("hi"),
      { id: "a\u0000b", role: "assistant", content: "yo", timestamp: at(2) },
    ];
    writeV1(src, [{ session_id: "s1", messages }]);
    const { manager, bridge, close } = open(src, tmp.path("nul-v2.db"));
    try {
      const view = await bridge.getSession("s1");
      expect(await view.getMessages()).toHaveLength(2);
      const send = view.sendMessage("hi");
      await expect(send).rejects.toThrow(ValidationError);
      await expect(send).rejects.toThrow(/history\.messages\[1\]\.id.*NUL/);
      expect(await manager.storage.getSession("s1")).toBeNull();
      expect(await (await bridge.getSession("s1")).getMessages()).toHaveLength(2);
    } finally {
      await close();
    }
  });
});
