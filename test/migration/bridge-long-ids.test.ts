import { afterAll, describe, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import { SessionBridge, V1SessionView, migrateV1 } from "../../src/migration/index.js";
import { v1Messages, writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("r4-longid-");
afterAll(tmp.cleanup);
const opts = { timezone: "UTC", providerMap: { openai: "mock" } };
// v1-format §5/§7.12: session ids are free-form caller strings; docs §2: V2 cannot open one over
// 256 characters, so such sessions are migrated with --renew-ids.
const LONG = `support-ticket/${"x".repeat(290)}`;
let n = 0;

function setup(sessionIds: "keep" | "renew") {
  const src = tmp.path(`v1-${++n}.db`);
  const dst = tmp.path(`v2-${n}.db`);
  writeV1(src, [{ session_id: LONG, user_id: "alice", messages: v1Messages(4) }]);
  const manager = createSessionManager({
    storage: "sqlite",
    storageConfig: { dbPath: dst },
    providers: { mock: null },
  });
  const bridge = new SessionBridge(manager, src, { ...opts, sessionIds });
  return {
    src,
    dst,
    manager,
    bridge,
    close: async () => {
      await bridge.close();
      await manager.close();
    },
  };
}

describe("bridge and V1 session ids V2 cannot hold", () => {
  it("serves a long-id session bulk-migrated with --renew-ids through its V1 id (docs §5)", async () => {
    const { src, dst, bridge, close } = setup("keep");
    const report = await migrateV1({ source: src, target: dst, ...opts, sessionIds: "renew" });
    expect(report.migratedSessions).toBe(1);
    try {
      const s = await bridge.getSession(LONG);
      expect(s).not.toBeInstanceOf(V1SessionView);
      expect((await s.getMessages()).length).toBe(4);
    } finally {
      await close();
    }
  });

  it("a bridge with sessionIds 'renew' serves and migrates a long-id V1 session", async () => {
    const { bridge, close } = setup("renew");
    try {
      const view = await bridge.getSession(LONG);
      expect((await view.getMessages()).length).toBe(4);
      await view.sendMessage("hi");
      expect((await view.getMessages()).length).toBe(6);
    } finally {
      await close();
    }
  });

  it("lists a user's long-id V1 session in getUserSessions (docs §5: all their V1 sessions not migrated yet)", async () => {
    const { bridge, close } = setup("renew");
    try {
      const list = await bridge.getUserSessions("alice");
      expect(list.length).toBe(1);
    } finally {
      await close();
    }
  });
});
