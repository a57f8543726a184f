/**
 * 16eeb99 says "the Session createSession returns sees what onSessionCreated changed". Its turns
 * do (the version it holds is stale, so a turn re-reads), but the object itself still shows the
 * record as it was before the hook: provider, model and context of a session the hook routed to
 * another model, until a turn or refresh() happens to re-read it.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { LOCAL_STORAGES, onStorage } from "../helpers/turns.js";

describe("createSession's Session after onSessionCreated changed the session", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: provider, model and context are the changed ones`, async () => {
      const own: { m?: SessionManager } = {};
      const onSessionCreated = async (id: string) => {
        const s = await own.m!.getSession(id);
        await s.switchProvider("premium", "big-model");
        await s.updateContext({ tier: "gold" });
      };
      const m = (own.m = createSessionManager({
        ...onStorage(storage),
        providers: { mock: null, premium: { adapter: new MockProvider() } },
        hooks: { onSessionCreated },
      }));
      const session = await m.createSession("u", "mock", "m");
      // today: ["mock", "m", {}]
      expect([session.provider, session.model, session.context]).toEqual([
        "premium",
        "big-model",
        { tier: "gold" },
      ]);
      await m.close();
    });
  }
});
