import { afterEach, beforeEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { modelCalls } from "./conformance.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

let compat: OpenAIFakeServer;
let anthropic: AnthropicFakeServer;
let manager: SessionManager;
const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];

beforeEach(async () => {
  compat = await startOpenAIServer();
  anthropic = await startAnthropicServer();
  manager = createSessionManager({
    providers: {
      "openai-compatible": { baseURL: compat.url },
      anthropic: { apiKey: "sk-ant-api03-test-0123456789abcdef", baseURL: anthropic.url },
    },
  });
});
afterEach(async () => {
  await manager.close();
  await compat.close();
  await anthropic.close();
});

type Block = { type: string; id?: string; tool_use_id?: string };
const sentIds = (body: unknown) =>
  (body as { messages: { content: Block[] | string }[] }).messages.flatMap((m) =>
    typeof m.content === "string"
      ? []
      : m.content.flatMap((b) => [b.id, b.tool_use_id].filter((id) => id !== undefined)),
  );

// Kimi (through a Chat Completions server) names its calls `functions.lookup:0`; the Messages
// API refuses such an id with 400 "String should match pattern '^[a-zA-Z0-9_-]+$'", and so does
// the fake, so a session moved to anthropic with one in its transcript failed every turn.
it("a session moved to anthropic with another provider's tool ids goes on working", async () => {
  const s = await manager.createSession("u", "openai-compatible", "kimi-k2", {
    providerConfig: { tools },
  });
  compat.enqueue({
    kind: "reply",
    text: "",
    toolCalls: [{ id: "functions.lookup:0", name: "lookup", arguments: "{}" }],
  });
  await s.sendMessage("look it up");
  await s.sendMessage("42", { role: "tool", toolCallId: "functions.lookup:0" });
  await s.switchProvider("anthropic", "claude-sonnet-5-5");
  const reply = await s.sendMessage("thanks");
  expect(reply.content).toContain("thanks");
  const ids = sentIds(modelCalls(anthropic).at(-1)!.body);
  expect(ids).toHaveLength(2); // the call and its result, still paired
  expect(ids[0]).toMatch(/^[a-zA-Z0-9_-]+$/);
  expect(ids[1]).toBe(ids[0]);
  // Storage keeps the id as the model gave it.
  const stored = await s.getMessages();
  expect(stored[1]!.toolCalls![0]!.id).toBe("functions.lookup:0");
});
