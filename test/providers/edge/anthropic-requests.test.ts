import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { startAnthropicServer, type AnthropicFakeServer } from "../fake/anthropic-server.js";

const API_KEY = "sk-ant-api03-test-0123456789abcdef";
type Block = { type: string; text?: string };
type Body = { messages: { role: string; content: Block[] | string }[] };

describe("anthropic: requests the Messages API refuses", () => {
  let server: AnthropicFakeServer;
  let manager: SessionManager;
  beforeEach(async () => {
    server = await startAnthropicServer();
    manager = createSessionManager({
      providers: { anthropic: { apiKey: API_KEY, baseURL: server.url, maxRetries: 0 } },
    });
  });
  afterEach(async () => {
    await manager.close();
    await server.close();
  });
  const calls = () => server.requests.filter((r) => r.path === "/v1/messages");
  const whitespaceBlocks = (body: Body) =>
    body.messages.flatMap((m, i) =>
      (typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content)
        .filter((b) => b.type === "text" && typeof b.text === "string" && b.text.trim() === "")
        .map((b) => `messages.${i} (${m.role}): ${JSON.stringify(b.text)}`),
    );

  // Claude often answers a tool call with a text block of just "\n\n" before the tool_use. The
  // API refuses a whitespace-only text block ("messages: text content blocks must contain
  // non-whitespace text"), so replaying it wedges the session: every later turn fails.
  it("does not replay a whitespace-only text block that came back with a tool call", async () => {
    const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5");
    server.enqueue({
      kind: "reply",
      text: "\n\n",
      toolCalls: [{ id: "toolu_01", name: "get_weather", arguments: '{"city":"Paris"}' }],
    });
    const call = await s.sendMessage("weather in Paris?");
    expect(call.toolCalls).toHaveLength(1);
    await s.sendMessage('{"temp":21}', { role: "tool", toolCallId: "toolu_01" });
    expect(whitespaceBlocks(calls().at(-1)!.body as Body)).toEqual([]);
  });

  it("does not replay a whitespace-only reply as an assistant turn", async () => {
    const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5");
    server.enqueue({ kind: "reply", text: "\n" });
    await s.sendMessage("say nothing");
    await s.sendMessage("ok, now say something");
    expect(whitespaceBlocks(calls().at(-1)!.body as Body)).toEqual([]);
  });

  // provider-wire.md §2.6: the SDK refuses a non-streaming call "with a large max_tokens (expected
  // time >10 min, i.e. max_tokens > ~21,333, or per-model caps)"; docs/providers.md says
  // sendMessage streams internally when the SDK would refuse.
  it("sendMessage works for a model with a per-model non-streaming cap (8192)", async () => {
    const s = await manager.createSession("u", "anthropic", "claude-opus-4-1@20250805", {
      providerConfig: { maxTokens: 16_000 },
    });
    const reply = await s.sendMessage("hi");
    expect(reply.content).toBe("Echo: hi");
  });
});
