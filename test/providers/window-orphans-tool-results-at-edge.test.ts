/**
 * The window starts at whatever message the count (or budget) reaches, also in the middle of a
 * tool exchange: the second of two parallel results is kept, its sibling and the call are not, and
 * it is sent as if the user had written "Tool result: r2". The research notes list "no orphan tool
 * calls or outputs after truncation" as an integrity guarantee to test; a window that starts at a
 * turn boundary (a user message) would send neither half.
 */
import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

let manager: SessionManager | undefined;
let server: AnthropicFakeServer | OpenAIFakeServer | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
  manager = server = undefined;
});

const tools = [
  { type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } },
];
const calls = [
  { id: "toolu_1", name: "f", arguments: "{}" },
  { id: "toolu_2", name: "f", arguments: "{}" },
];

it("anthropic: no half of a parallel tool exchange is sent as user text", async () => {
  server = await startAnthropicServer();
  manager = createSessionManager({
    providers: { anthropic: { apiKey: "sk-ant-api03-test-0123456789", baseURL: server.url } },
  });
  const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5", {
    providerConfig: { maxHistoryMessages: 2, tools },
  });
  server.enqueue({ kind: "reply", text: "", toolCalls: calls });
  await s.sendMessage("go");
  await s.sendMessage("r1", { role: "tool", toolCallId: "toolu_1" });
  await s.sendMessage("r2", { role: "tool", toolCallId: "toolu_2" });
  await s.sendMessage("next");
  const sent = JSON.stringify((server.requests.at(-1)!.body as { messages: unknown }).messages);
  // Today: [{user: "Tool result: r2"}, {assistant: "Echo: r2"}, {user: "next"}]
  expect(sent).not.toContain("Tool result: r2");
});

it("openai-compatible: the same", async () => {
  server = await startOpenAIServer();
  manager = createSessionManager({
    providers: { "openai-compatible": { baseURL: server.url } },
  });
  const s = await manager.createSession("u", "openai-compatible", "llama3", {
    providerConfig: { maxHistoryMessages: 2, tools },
  });
  server.enqueue({ kind: "reply", text: "", toolCalls: calls });
  await s.sendMessage("go");
  await s.sendMessage("r1", { role: "tool", toolCallId: "toolu_1" });
  await s.sendMessage("r2", { role: "tool", toolCallId: "toolu_2" });
  await s.sendMessage("next");
  const chat = server.requests.filter((r) => r.path.endsWith("/chat/completions"));
  const sent = JSON.stringify((chat.at(-1)!.body as { messages: unknown }).messages);
  expect(sent).not.toContain("Tool result: r2");
});
