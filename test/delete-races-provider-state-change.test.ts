/**
 * deleteSession reads the record, deletes the row by identity (userId + createdAt), then the
 * provider state it read. A clearMessages()/switchProvider() that ran in between replaced the
 * provider state (conv-1 -> conv-2): the row was still "the same session", so it was deleted, but
 * conv-2 was never deleted. The delete now holds the session's turn lock when it is free, so the
 * clear waits behind it and then finds the session gone.
 */
import { expect, it } from "vitest";
import {
  createSessionManager,
  memoryStorage,
  SessionNotFoundError,
  type ProviderAdapter,
} from "../src/index.js";

it("a session deleted while clearMessages swaps its provider state leaves no provider state behind", async () => {
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
    sendTurn: async () =>
      ({
        content: "ok",
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        finishReason: "stop",
      }) as never,
    streamTurn: () => {
      throw new Error("not used");
    },
  };
  const storage = memoryStorage();
  const realDelete = storage.deleteSession.bind(storage);
  let openGate!: () => void;
  const gate = new Promise<void>((r) => (openGate = r));
  let entered!: () => void;
  const inDelete = new Promise<void>((r) => (entered = r));
  storage.deleteSession = async (id, known) => {
    entered();
    await gate; // a slow store: the delete's round trip
    return realDelete(id, known);
  };
  const manager = createSessionManager({ storage, providers: { native: { adapter } } });
  const session = await manager.createSession("u", "native", "m");
  expect([...live]).toEqual(["conv-1"]);

  const deleting = manager.deleteSession(session.sessionId);
  await inDelete; // the delete has read the record (conv-1)
  const clearing = session.clearMessages(); // queued behind the delete
  clearing.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 20)); // time enough for the clear, were it not queued
  openGate();
  expect(await deleting).toBe(true);
  await expect(clearing).rejects.toBeInstanceOf(SessionNotFoundError);

  await expect(manager.getSession(session.sessionId)).rejects.toThrow();
  // The deleted session's provider state (its conversation) must not outlive it.
  expect([...live]).toEqual([]);
  await manager.close();
});
