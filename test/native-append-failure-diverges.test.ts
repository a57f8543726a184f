/**
 * OpenAI native state: the provider's conversation keeps every turn the model answered. If
 * storing the answered turn then fails once (SQLite busy past busyTimeoutMs, a Postgres
 * connection lost twice...), the transcript has none of it while the conversation has all of it:
 * the model remembers, for good, an exchange that `getMessages()` does not show. (A stream broken
 * off or a cut-off call is realigned from the transcript; a failed append is not.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createSessionManager, sqliteStorage, StorageError } from "../src/index.js";
import { startOpenAIServer } from "./providers/fake/openai-server.js";

const dir = mkdtempSync(join(tmpdir(), "r7-native-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const how of ["sendMessage", "streamMessage"] as const) {
  it(`a failed append after an OpenAI native reply (${how}) leaves the conversation and the transcript in agreement`, async () => {
    const server = await startOpenAIServer();
    const storage = sqliteStorage({ dbPath: join(dir, `native-${how}.db`) });
    const append = storage.appendMessages.bind(storage);
    let failNext = false;
    // The storage fails once, as SQLite does when another process holds the write lock past
    // busyTimeoutMs ("database is locked"); it works again right after.
    storage.appendMessages = (id, messages, counters) => {
      if (failNext && messages.some((m) => m.role === "assistant")) {
        failNext = false;
        return Promise.reject(new StorageError("sqlite", "database is locked"));
      }
      return append(id, messages, counters);
    };
    const manager = createSessionManager({
      storage,
      providers: {
        openai: { apiKey: "sk-test-openai-0123456789abcdef", baseURL: server.url, maxRetries: 0 },
      },
    });
    try {
      const s = await manager.createSession("u", "openai", "gpt-4o-mini");
      failNext = true;
      const turn =
        how === "sendMessage"
          ? s.sendMessage("my PIN is 1234")
          : s.streamMessage("my PIN is 1234").reply;
      await expect(turn).rejects.toBeInstanceOf(StorageError);

      await s.sendMessage("hello");
      const transcript = (await s.getMessages()).map((m) => m.content);
      // What the model's conversation holds is what the transcript holds: no exchange the
      // transcript lacks (here the failed turn's reply, "Echo: my PIN is 1234").
      const items = server.conversations.get(s.providerSessionId!)?.items ?? [];
      const texts = items.flatMap((item) =>
        ((item as { content?: { text?: string }[] }).content ?? []).map((c) => c.text),
      );
      expect(texts.filter((t) => !transcript.includes(t!))).toEqual([]);
    } finally {
      await manager.close();
      await server.close();
    }
  });
}
