/**
 * deleteSession (src/cleanup.ts) reads the record, then deletes by id alone. If another instance
 * deleted the session and made a new one under the same id in between (a "reset this chat" from
 * another app instance), the delete removes the *new* session, and deletes the provider state of
 * the *old* record: the new session's OpenAI conversation (its transcript) is orphaned with no
 * warning. Cleanup avoids this by using the row its DELETE returns.
 */
import pg from "pg";
import { expect, inject, it } from "vitest";
import { createSessionManager, postgresStorage } from "../src/index.js";
import { freshDatabase } from "./helpers/postgres.js";
import { startOpenAIServer } from "./providers/fake/openai-server.js";

it("a delete racing another instance's delete-and-recreate never orphans the new session's conversation", async () => {
  const url = await freshDatabase(inject("postgresUrl"));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let gate: Promise<void> | null = null;
  let reached!: () => void;
  const atDelete = new Promise<void>((r) => (reached = r));
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = async (...args: unknown[]) => {
      const a0 = args[0] as string | { text?: string };
      const text = typeof a0 === "string" ? a0 : (a0?.text ?? "");
      // (The reviewer's pattern ended at `$1`: the delete now also names the session read.)
      if (gate && /^DELETE FROM "public"\.sessions WHERE session_id = \$1\b/.test(text)) {
        const wait = gate;
        gate = null;
        reached();
        await wait; // this instance's DELETE is sent a moment late
      }
      return query(...args);
    };
  });
  const server = await startOpenAIServer();
  const openai = { apiKey: "sk-test-openai-0123456789abcdef", baseURL: server.url, maxRetries: 0 };
  const a = createSessionManager({ storage: postgresStorage({ pool }), providers: { openai } });
  const b = createSessionManager({
    storage: "postgres",
    storageConfig: { connectionString: url },
    providers: { openai },
  });
  const sessionConfig = { sessionId: "chat" };
  try {
    const old = await a.createSession("u", "openai", "gpt-4o-mini", { sessionConfig });
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    const aDelete = a.deleteSession("chat");
    await atDelete; // A has read the old record and is about to delete by id
    expect(await b.deleteSession("chat")).toBe(true);
    const fresh = await b.createSession("u", "openai", "gpt-4o-mini", { sessionConfig });
    expect(fresh.providerSessionId).not.toBe(old.providerSessionId);
    open();
    await aDelete;
    const survivor = await b.storage.getSession("chat");
    // Either A's delete left the new session alone, or it deleted the new session's conversation.
    const orphaned =
      survivor === null && !server.deletedConversations.has(fresh.providerSessionId!);
    expect(orphaned).toBe(false);
  } finally {
    await a.close();
    await b.close();
    await pool.end();
    await server.close();
  }
});
