/**
 * The guide's migration script copies V1's history into a new session with `storage.addMessage`,
 * which writes the transcript only. On `openai` (native state) the conversation was made empty at
 * createSession, so the README says to seed it with `switchProvider` to the same provider and
 * model: the model then sees the imported history.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

const KEY = "sk-test-openai-0123456789abcdef";
let server: OpenAIFakeServer;
let manager: SessionManager;
beforeEach(async () => {
  server = await startOpenAIServer();
  manager = createSessionManager({ providers: { openai: { apiKey: KEY, baseURL: server.url } } });
});
afterEach(async () => {
  await manager.close();
  await server.close();
});

it("history added with storage.addMessage reaches an openai model once switchProvider seeds it", async () => {
  const session = await manager.createSession("user123", "openai", "gpt-4o", {
    sessionConfig: { name: "Migrated", description: "Migrated from V1 session abc" },
  });
  const t0 = new Date("2024-03-04T09:00:00Z");
  for (const [i, [role, content]] of (
    [
      ["user", "My name is Ada."],
      ["assistant", "Nice to meet you, Ada."],
    ] as const
  ).entries()) {
    await manager.storage.addMessage(session.sessionId, {
      messageId: `v1_msg_${i}`,
      sessionId: session.sessionId,
      role,
      content,
      timestamp: new Date(t0.getTime() + i * 1000),
      metadata: {},
    });
  }
  expect((await session.getMessages()).map((m) => m.content)).toEqual([
    "My name is Ada.",
    "Nice to meet you, Ada.",
  ]);

  await session.switchProvider(session.provider, session.model);
  await session.sendMessage("What is my name?");

  // What the model had in front of it for that turn: the conversation's items plus the input.
  const call = server.requests.find((r) => r.path === "/v1/responses")!;
  const body = call.body as { conversation?: string; input: unknown[] };
  const conversationItems = body.conversation
    ? JSON.stringify(server.conversations.get(body.conversation)?.items ?? [])
    : "";
  const seen = conversationItems + JSON.stringify(body.input);
  expect(seen).toContain("My name is Ada.");
});
