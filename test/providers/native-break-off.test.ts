/**
 * An OpenAI conversation keeps the model's whole response even when the transcript keeps only
 * part of it (a stream broken off, or aborted): the session then starts a fresh conversation from
 * the transcript, so the two agree and the next turn is not refused over calls nobody answered.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, type SessionManager } from "../../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

const API_KEY = "sk-test-openai-0123456789abcdef";
const calls = [
  { id: "call_A", name: "weather", arguments: '{"city":"Oslo"}' },
  { id: "call_B", name: "weather", arguments: '{"city":"Rome"}' },
];
const TEXT = "Let me check the weather for you in both cities now";

let server: OpenAIFakeServer;
let manager: SessionManager;
beforeEach(async () => {
  server = await startOpenAIServer();
  manager = createSessionManager({
    providers: { openai: { apiKey: API_KEY, baseURL: server.url, maxRetries: 0 } },
  });
});
afterEach(async () => {
  await manager.close();
  await server.close();
});

describe("a native conversation after a streamed reply cut short", () => {
  it("is rebuilt from the transcript when the reader breaks off a tool-call reply", async () => {
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    const first = s.providerSessionId!;
    server.enqueue({ kind: "reply", text: TEXT, toolCalls: calls });
    const stream = s.streamMessage("weather in Oslo and Rome?");
    let read = "";
    for await (const delta of stream) {
      read = delta;
      break;
    }
    expect(await stream.reply).toMatchObject({ content: read, finishReason: "aborted" });
    expect(s.providerSessionId).not.toBe(first);
    expect(server.deletedConversations.has(first)).toBe(true);
    const items = server.conversations.get(s.providerSessionId!)!.items;
    expect(JSON.stringify(items)).not.toContain("call_A"); // only what the transcript holds
    const next = await s.sendMessage("never mind, tell me a joke");
    expect(next.role).toBe("assistant");
  });

  it("is rebuilt when the caller's signal aborts the stream mid-reply", async () => {
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    const first = s.providerSessionId!;
    server.enqueue({ kind: "reply", text: TEXT, toolCalls: calls });
    const controller = new AbortController();
    const stream = s.streamMessage("weather?", { signal: controller.signal });
    const failure = await (async () => {
      for await (const delta of stream) {
        void delta;
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(s.providerSessionId).not.toBe(first);
    expect((await s.sendMessage("and now?")).role).toBe("assistant");
  });

  it("keeps its conversation when the reply is read to the end", async () => {
    const s = await manager.createSession("u", "openai", "gpt-4o-mini");
    const first = s.providerSessionId;
    await s.streamMessage("hello").complete();
    expect(s.providerSessionId).toBe(first);
  });
});
