/**
 * A token window can drop the very reply whose tool calls the turn's input answers (the last
 * message of the transcript), while the results themselves travel as input and are not windowed.
 * The results then reach the model as plain user text ("Tool result: …"), without the call: the
 * model is handed output for a call it does not see it made, and the tool loop breaks. This
 * happens whenever system text plus the calling reply pass the budget (a large system prompt, a
 * tool call with long arguments, e.g. writing a file).
 */
import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";

let manager: SessionManager | undefined;
let server: AnthropicFakeServer | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
  manager = server = undefined;
});

const tools = [
  {
    type: "function",
    function: { name: "write_file", parameters: { type: "object", properties: {} } },
  },
];

type Body = {
  messages: {
    role: string;
    content: { type: string; id?: string; tool_use_id?: string; text?: string }[];
  }[];
};

it("the reply asking for the tools is kept when the turn sends their results", async () => {
  server = await startAnthropicServer();
  manager = createSessionManager({
    providers: { anthropic: { apiKey: "sk-ant-api03-test-0123456789", baseURL: server.url } },
  });
  const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5", {
    providerConfig: { maxHistoryTokens: 1200, tools },
  });
  await s.sendSystemMessage("Project notes. ".repeat(200)); // 3,000 bytes: ~1,000 tokens
  server.enqueue({
    kind: "reply",
    text: "",
    toolCalls: [{ id: "toolu_w1", name: "write_file", arguments: '{"path":"a.txt"}' }],
    usage: { output: 300 }, // the call's arguments were long
  });
  await s.sendMessage("write a.txt");
  await s.sendMessage("written", { role: "tool", toolCallId: "toolu_w1" });

  const body = server.requests.at(-1)!.body as Body;
  const blocks = body.messages.flatMap((m) => m.content);
  // Today: messages = [{ user: "Tool result: written" }]: the call is gone, the result is text.
  expect(blocks.some((b) => b.type === "tool_use" && b.id === "toolu_w1")).toBe(true);
  expect(blocks.some((b) => b.type === "tool_result" && b.tool_use_id === "toolu_w1")).toBe(true);
});
