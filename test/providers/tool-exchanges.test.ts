import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

const API_KEY = "sk-test-openai-0123456789abcdef";
const calls = [
  { id: "call_A", name: "weather", arguments: '{"city":"Oslo"}' },
  { id: "call_B", name: "weather", arguments: '{"city":"Rome"}' },
];

let server: OpenAIFakeServer;
let manager: SessionManager;
beforeEach(async () => {
  server = await startOpenAIServer();
});
afterEach(async () => {
  await manager?.close();
  await server.close();
});
const modelCalls = () =>
  server.requests.filter((r) => r.path === "/v1/responses" || r.path === "/v1/chat/completions");

describe("held tool results with OpenAI", () => {
  it("native state with a fallback chain: the last result is sent with the held ones", async () => {
    manager = createSessionManager({
      providers: {
        openai: {
          apiKey: API_KEY,
          baseURL: server.url,
          maxRetries: 0,
          nativeState: true, // docs: keeps conversations even with a fallback
          fallback: ["openai-compatible"],
        },
        "openai-compatible": { baseURL: server.url, maxRetries: 0 },
      },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    expect(s.providerSessionId).toMatch(/^conv_/);
    server.enqueue({ kind: "reply", text: "", toolCalls: calls });
    await s.sendMessage("weather in Oslo and Rome?");
    const held = await s.sendMessage("Oslo: 3C", { role: "tool", toolCallId: "call_A" });
    expect(held.role).toBe("tool");
    const answer = await s.sendMessage("Rome: 18C", { role: "tool", toolCallId: "call_B" });
    expect(answer.role).toBe("assistant");
    expect(JSON.stringify(modelCalls().at(-1)!.body)).toContain("Oslo: 3C");
  });

  it("native state: a move to a new conversation waits until the open calls are answered", async () => {
    manager = createSessionManager({
      providers: { openai: { apiKey: API_KEY, baseURL: server.url, maxRetries: 0 } },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    server.enqueue({ kind: "reply", text: "", toolCalls: calls });
    await s.sendMessage("weather in Oslo and Rome?");
    await s.sendMessage("Oslo: 3C", { role: "tool", toolCallId: "call_A" });
    const conversation = s.providerSessionId;
    await expect(s.switchProvider("openai", "gpt-4.1")).rejects.toMatchObject({
      field: "provider",
      message: expect.stringContaining("call_B"),
    });
    expect(s.providerSessionId).toBe(conversation);
    const answer = await s.sendMessage("Rome: 18C", { role: "tool", toolCallId: "call_B" });
    expect(answer.role).toBe("assistant");
    await s.switchProvider("openai", "gpt-4.1");
    expect((await s.sendMessage("and now?")).content).toBe("Echo: and now?");
  });

  it("client-side history moves to native state only once the open calls are answered", async () => {
    manager = createSessionManager({
      providers: {
        openai: { apiKey: API_KEY, baseURL: server.url, maxRetries: 0 },
        "openai-compatible": { baseURL: server.url, maxRetries: 0 },
      },
    });
    const s = await manager.createSession("u", "openai-compatible", "llama");
    server.enqueue({ kind: "reply", text: "", toolCalls: calls });
    await s.sendMessage("weather in Oslo and Rome?");
    await s.sendMessage("Oslo: 3C", { role: "tool", toolCallId: "call_A" });
    await expect(s.switchProvider("openai", "gpt-4o-mini")).rejects.toMatchObject({
      field: "provider",
    });
    const answer = await s.sendMessage("Rome: 18C", { role: "tool", toolCallId: "call_B" });
    expect(answer.role).toBe("assistant");
    await s.switchProvider("openai", "gpt-4o-mini");
    // The new conversation holds the whole exchange, so the model can go on from it.
    expect((await s.sendMessage("summary?")).role).toBe("assistant");
  });

  it("native state: a result whose call was cleared is still sent (as text), as docs/providers.md says", async () => {
    manager = createSessionManager({
      providers: { openai: { apiKey: API_KEY, baseURL: server.url, maxRetries: 0 } },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    server.enqueue({ kind: "reply", text: "", toolCalls: [calls[0]!] });
    await s.sendMessage("weather in Oslo?");
    await s.clearMessages();
    const answer = await s.sendMessage("Oslo: 3C", { role: "tool", toolCallId: "call_A" });
    expect(answer.role).toBe("assistant");
  });

  it("native state: a result for a call in no message read is text too, however long the session", async () => {
    manager = createSessionManager({
      providers: { openai: { apiKey: API_KEY, baseURL: server.url, maxRetries: 0 } },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    // Past the newest 100 messages that a tool result's plan reads.
    for (let i = 0; i < 51; i++) await s.sendMessage(`message ${i}`);
    const answer = await s.sendMessage("42", { role: "tool", toolCallId: "call_unknown" });
    expect(answer.role).toBe("assistant");
    const sent = modelCalls().at(-1)!.body as { input: { type?: string; role?: string }[] };
    expect(sent.input).toEqual([expect.objectContaining({ role: "user" })]);
  });
});
