import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  Session,
  SessionNotFoundError,
  StorageError,
  createSessionManager,
} from "../../src/index.js";
import type { SessionManager } from "../../src/index.js";
import { SessionBridge, V1SessionView } from "../../src/migration/index.js";
import { convertSession } from "../../src/migration/convert.js";
import { V1Reader } from "../../src/migration/v1-reader.js";
import { V1Clock } from "../../src/migration/v1-time.js";
import { sqliteStorage } from "../../src/storage/sqlite.js";
import type { SessionStorage } from "../../src/storage/types.js";
import { tempDir } from "./helpers.js";
import { buildCaseDatabase } from "./v1-cases.js";

const tmp = tempDir("lss-bridge-");
afterAll(tmp.cleanup);
const v1 = tmp.path("v1.db");
const TZ = "Europe/Oslo";
// The V1 sessions talk to the mock provider once migrated: no network in tests.
const options = { timezone: TZ, providerMap: { openai: "mock", claude: "mock", mistral: "mock" } };
let n = 0;
let manager: SessionManager;
let bridge: SessionBridge;
let creates: number;

/** A manager on a fresh SQLite file whose storage counts session creations. */
function newManager(path = tmp.path(`v2-${++n}.db`)): SessionManager {
  const real = sqliteStorage({ dbPath: path });
  const counting: SessionStorage = {
    ...real,
    createSession: (r) => {
      creates++;
      return real.createSession(r);
    },
  };
  return createSessionManager({ storage: counting, providers: { mock: null } });
}

beforeAll(() => buildCaseDatabase(v1));
beforeEach(() => {
  creates = 0;
  manager = newManager();
  bridge = new SessionBridge(manager, v1, options);
  return async () => {
    await bridge.close();
    await manager.close();
  };
});

describe("SessionBridge", () => {
  it("serves a V1 session read-only through the V2 interface without writing", async () => {
    const session = await bridge.getSession("session_0a1b2c3d");
    expect(session).toBeInstanceOf(V1SessionView);
    expect(session).toMatchObject({
      sessionId: "session_0a1b2c3d",
      userId: "user123",
      provider: "mock",
    });
    expect(session.metadata).toMatchObject({ v1Status: "active", migratedFrom: "v1" });
    const messages = await session.getMessages();
    expect(messages.map((m) => m.messageId)).toEqual([
      "msg_00000001",
      "msg_00000002",
      "msg_00000003",
      "msg_00000004",
      "msg_00000005",
    ]);
    expect((await session.getMessages({ limit: 2 })).map((m) => m.messageId)).toEqual([
      "msg_00000004",
      "msg_00000005",
    ]);
    expect((await session.getMetrics()).totalMessages).toBe(5);
    expect((session as V1SessionView).migrated).toBe(false);
    expect(await manager.storage.getSession("session_0a1b2c3d")).toBeNull();
  });

  it("migrates on the first new message and continues in V2", async () => {
    const session = (await bridge.getSession("session_0a1b2c3d")) as V1SessionView;
    const reply = await session.sendMessage("And tomorrow?");
    expect(reply.role).toBe("assistant");
    expect(session.migrated).toBe(true);
    const stored = await manager.storage.getMessages("session_0a1b2c3d");
    expect(stored).toHaveLength(7);
    expect(stored.slice(0, 5).map((m) => m.messageId)).toEqual(
      (await freshV1Messages("session_0a1b2c3d")).map((m) => m.messageId),
    );
    expect(stored[5]!.content).toBe("And tomorrow?");
    expect(await session.getMessages()).toHaveLength(7);
    const again = await bridge.getSession("session_0a1b2c3d");
    expect(again).toBeInstanceOf(Session);
    expect((await again.getMetrics()).totalMessages).toBe(7);
  });

  it("migrates once under concurrent first messages, also from two views", async () => {
    const a = await bridge.getSession("session_anthropic");
    const b = await bridge.getSession("session_anthropic");
    await Promise.all([a.sendMessage("one"), b.sendMessage("two"), a.sendSystemMessage("sys")]);
    expect(creates).toBe(1);
    const stored = await manager.storage.getMessages("session_anthropic");
    expect(stored).toHaveLength(4 + 5);
    expect(stored.slice(0, 4).map((m) => m.messageId)).toEqual(
      (await freshV1Messages("session_anthropic")).map((m) => m.messageId),
    );
    expect(stored.slice(4).map((m) => m.content)).toEqual(
      expect.arrayContaining(["one", "two", "sys"]),
    );
  });

  it("survives two bridges (as two processes would) migrating the same session at once", async () => {
    const path = tmp.path("shared.db");
    const m1 = newManager(path);
    const m2 = newManager(path);
    const b1 = new SessionBridge(m1, v1, options);
    const b2 = new SessionBridge(m2, v1, options);
    try {
      const [s1, s2] = await Promise.all([
        b1.getSession("session_huge"),
        b2.getSession("session_huge"),
      ]);
      await Promise.all([s1.sendMessage("from one"), s2.sendMessage("from two")]);
      const stored = await m1.storage.getMessages("session_huge");
      expect(stored).toHaveLength(2 + 4);
      expect(stored.slice(0, 2).map((m) => m.messageId)).toEqual(["msg_h1", "msg_h2"]);
    } finally {
      await Promise.all([b1.close(), b2.close()]);
      await Promise.all([m1.close(), m2.close()]);
    }
  });

  it("streams on a V1 session after migrating it", async () => {
    const session = await bridge.getSession("session_expired");
    let text = "";
    const stream = session.streamMessage("stream please");
    for await (const delta of stream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    expect((await stream.reply).content).toBe(text);
    expect(await manager.storage.getMessages("session_expired")).toHaveLength(3);
  });

  it("serves V2 first, refuses another user's session, and reports unknown ids", async () => {
    const v2 = await manager.createSession("someone", "mock", "mock-model", {
      sessionConfig: { sessionId: "session_empty" },
    });
    expect(await bridge.getSession("session_empty")).toBeInstanceOf(Session);
    expect((await bridge.getSession("session_empty")).userId).toBe(v2.userId);
    await expect(bridge.getSession("session_huge", { userId: "mallory" })).rejects.toThrow(
      SessionNotFoundError,
    );
    await expect(bridge.getSession("no-such-session")).rejects.toThrow(SessionNotFoundError);
    await expect(bridge.getSession("corrupt_bad_json")).rejects.toThrow(StorageError);
  });

  it("finishes a migration that was cut between its two writes", async () => {
    const converted = await freshConverted("session_dupes");
    await manager.storage.createSession(converted.record); // the crash left the session without messages
    const session = await bridge.getSession("session_dupes");
    expect(session).toBeInstanceOf(Session);
    expect((await session.getMessages()).map((m) => m.messageId)).toEqual(
      converted.messages.map((m) => m.messageId),
    );
  });

  it("creates V2 sessions, with V1-shaped ids when asked", async () => {
    const plain = await bridge.createSession("u1", "mock", "mock-model");
    expect(plain.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const v1Style = new SessionBridge(manager, v1, { ...options, v1StyleIds: true });
    const s = await v1Style.createSession({ userId: "u2", provider: "mock", model: "mock-model" });
    expect(s.sessionId).toMatch(/^session_[0-9a-f]{8}$/);
    expect((await bridge.getSession(s.sessionId)).userId).toBe("u2");
    await v1Style.close();
  });
});

async function freshConverted(id: string) {
  const reader = await V1Reader.open(v1);
  try {
    const entry = reader.get(id);
    if (!entry?.ok) throw new Error(`fixture ${id} unreadable`);
    return convertSession(entry.session, {
      clock: new V1Clock(TZ),
      sessionIds: "keep",
      providerMap: options.providerMap,
    });
  } finally {
    reader.close();
  }
}

async function freshV1Messages(id: string) {
  return (await freshConverted(id)).messages;
}
