/**
 * onSessionCreated may change the new session (route it to another model): the Session that
 * createSession returns was built from the record read before the hook but marked current, so
 * its first turn asked (and paid) the old provider, then was refused as moved "by another process".
 */
import { describe, expect, it } from "vitest";
import type { SessionManager } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { managersClosedAfterEach } from "../helpers/managers.js";
import { LOCAL_STORAGES, onStorage } from "../helpers/turns.js";

const manager = managersClosedAfterEach();

describe("the Session createSession returns sees what onSessionCreated changed", () => {
  for (const storage of LOCAL_STORAGES) {
    it(`${storage}: switchProvider in the hook`, async () => {
      const basic = new MockProvider({ reply: () => "basic answer" });
      const premium = new MockProvider({ reply: () => "premium answer" });
      const own: { m?: SessionManager } = {};
      const onSessionCreated = async (id: string) => {
        await (await own.m!.getSession(id)).switchProvider("premium", "big-model");
      };
      const m = (own.m = manager({
        ...onStorage(storage),
        providers: { mock: { adapter: basic }, premium: { adapter: premium } },
        hooks: { onSessionCreated },
      }));
      const session = await m.createSession("u", "mock", "m");
      expect((await session.sendMessage("hi")).content).toBe("premium answer");
      expect([session.provider, session.model]).toEqual(["premium", "big-model"]);
      expect(basic.calls).toHaveLength(0);
    });
  }
});
