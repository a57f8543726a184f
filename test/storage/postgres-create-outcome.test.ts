/**
 * Postgres: when the connection is lost right after COMMIT was sent for a new session, the
 * backend reports "whether the change was stored is unknown". The manager used to delete the
 * OpenAI conversation it made for the session as if the session had not been stored: when the
 * COMMIT did land, the stored session pointed at a deleted conversation and every turn failed.
 * It now reads the session back: stored, so `createSession` succeeds.
 */
import { expect, inject, it } from "vitest";
import { createSessionManager, postgresStorage } from "../../src/index.js";
import { commitLosingPool, freshDatabase } from "../helpers/postgres.js";
import { startOpenAIServer } from "../providers/fake/openai-server.js";

it("a session whose COMMIT outcome is unknown is not left pointing at a deleted conversation", async () => {
  const url = await freshDatabase(inject("postgresUrl"));
  const { pool, loseNextCommitAnswer, pending } = commitLosingPool(url);
  const server = await startOpenAIServer();
  const manager = createSessionManager({
    storage: postgresStorage({ pool }),
    providers: {
      openai: { apiKey: "sk-test-openai-0123456789abcdef", baseURL: server.url, maxRetries: 0 },
    },
  });
  try {
    await manager.storage.getMemoryUsage(); // schema made
    loseNextCommitAnswer();
    const created = await manager.createSession({
      userId: "u",
      provider: "openai",
      model: "gpt-4o-mini",
      sessionConfig: { sessionId: "s1" },
    });
    expect(pending()).toBe(false); // the COMMIT's answer was lost
    const session = await manager.getSession("s1");
    expect(session.providerSessionId).toBe(created.providerSessionId);
    // The conversation must still exist, and the session must work.
    expect(server.deletedConversations.has(session.providerSessionId!)).toBe(false);
    await expect(session.sendMessage("hello")).resolves.toMatchObject({ role: "assistant" });
  } finally {
    await manager.close();
    await pool.end();
    await server.close();
  }
});
