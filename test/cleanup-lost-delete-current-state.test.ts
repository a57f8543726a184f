/**
 * cleanUpOne (cleanup.ts) falls back to goneDespite(rt.storage, LISTED, error) when a delete's
 * outcome was lost but the session turns out gone: it then deletes the provider state of the
 * record as it was LISTED, not as the delete read it. A cleanup lists 500 sessions a page and
 * works through them one by one; a clearMessages()/switchProvider() in between replaces the
 * provider state. The fresh conversation of the deleted session is then never deleted (and the
 * one already dropped is deleted again).
 */
import { expect, it } from "vitest";
import {
  createSessionManager,
  memoryStorage,
  StorageError,
  type ProviderAdapter,
} from "../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const USAGE = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };

it("a cleanup delete whose outcome was lost deletes the provider state the session had when deleted", async () => {
  let n = 0;
  const live = new Set<string>();
  const adapter: ProviderAdapter = {
    name: "native",
    historyMode: () => "native",
    createProviderSession: async () => {
      const id = `conv-${++n}`;
      live.add(id);
      return id;
    },
    deleteProviderSession: async (s) => {
      live.delete(s.providerSessionId!);
    },
    sendTurn: async () => ({ content: "ok", usage: USAGE, finishReason: "stop" }) as never,
    async *streamTurn() {
      yield { type: "done", reply: { content: "ok", usage: USAGE, finishReason: "stop" } } as never;
    },
  };
  const storage = memoryStorage();
  const manager = createSessionManager({ storage, providers: { native: { adapter } } });
  const session = await manager.createSession("u", "native", "m");
  await sleep(5);

  const realList = storage.listSessions.bind(storage);
  let cleared = false;
  storage.listSessions = async (q) => {
    const page = await realList(q);
    if (!cleared) {
      cleared = true;
      await session.clearMessages(); // conv-1 -> conv-2, while the cleanup holds its page
    }
    return page;
  };
  const realCleanUp = storage.cleanUpIfInactive.bind(storage);
  storage.cleanUpIfInactive = async (id, action, condition) => {
    const done = await realCleanUp(id, action, condition);
    expect(done?.providerSessionId).toBe("conv-2"); // what was really deleted
    throw new StorageError("memory", "the connection was lost after COMMIT was sent");
  };

  const count = await manager.cleanupInactiveSessions({ maxInactiveHours: 0, action: "delete" });
  expect(count).toBe(1);
  await expect(manager.getSession(session.sessionId)).rejects.toThrow();
  expect([...live]).toEqual([]); // conv-2 must go with its session
  await manager.close();
});
