import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { MockProvider } from "../../src/providers/mock.js";
import { describeProviderConformance, modelCalls } from "./conformance.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import type { ProviderHarness } from "./fake/types.js";

const API_KEY = "sk-ant-api03-test-0123456789abcdef";
const MODEL = "claude-sonnet-5-5";

const harness: ProviderHarness = {
  name: "anthropic",
  provider: "anthropic",
  model: MODEL,
  nativeState: false,
  startServer: startAnthropicServer,
  providerOptions: (server) => ({ apiKey: API_KEY, baseURL: server.url }),
};

describeProviderConformance(harness);

type Body = {
  system?: string;
  max_tokens: number;
  stream?: boolean;
  messages: { role: string; content: { type: string; [k: string]: unknown }[] }[];
  tools?: unknown[];
};

describe("anthropic specifics", () => {
  let server: AnthropicFakeServer;
  let manager: SessionManager;

  const open = (extra: Record<string, unknown> = {}) => {
    manager = createSessionManager({
      providers: { anthropic: { apiKey: API_KEY, baseURL: server.url, ...extra } },
    });
    return manager;
  };
  const start = (providerConfig: Record<string, unknown> = {}) =>
    manager.createSession("u1", "anthropic", MODEL, { providerConfig });
  const last = (): Body => modelCalls(server).at(-1)!.body as Body;

  beforeEach(async () => {
    server = await startAnthropicServer();
    open();
  });
  afterEach(async () => {
    await manager.close();
    await server.close();
    vi.restoreAllMocks();
  });

  it("talks to /v1/messages with bearer auth and the 2026-10-21 API version", async () => {
    const session = await start();
    await session.sendMessage("hi");
    const request = modelCalls(server)[0]!;
    expect(request.path).toBe("/v1/messages");
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers["anthropic-version"]).toBe("2026-10-21");
    expect(last().max_tokens).toBe(4096);
    expect(session.providerSessionId).toBeNull();
  });

  it("sends the whole history each turn with system text top-level and roles alternating", async () => {
    const session = await start();
    await session.sendSystemMessage("Be brief.");
    await session.sendMessage("one");
    await session.sendSystemMessage("Be kind.");
    await session.sendMessage("two");
    const body = last();
    expect(body.system).toBe("Be brief.\n\nBe kind.");
    expect(body.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify(body.messages)).not.toContain('"system"');
    expect(body.messages[1]!.content).toEqual([{ type: "text", text: "Echo: one" }]);
  });

  it("merges an unanswered message with the next one instead of sending two user turns", async () => {
    const session = await start();
    server.enqueue({ kind: "error", status: 400, message: "bad luck" });
    await expect(session.sendMessage("lost")).rejects.toMatchObject({ status: 400 });
    const reply = await session.sendMessage("retry");
    expect(reply.content).toBe("Echo: retry");
    expect(last().messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "lost" },
          { type: "text", text: "retry" },
        ],
      },
    ]);
  });

  it("groups tool results in one user turn right after the tool_use blocks", async () => {
    const session = await start();
    const calls = [
      { id: "toolu_01A", name: "weather", arguments: '{"city":"Oslo"}' },
      { id: "toolu_01B", name: "weather", arguments: '{"city":"Bergen"}' },
    ];
    server.enqueue({ kind: "reply", text: "Checking both.", toolCalls: calls });
    const asked = await session.sendMessage("weather?");
    expect(asked.finishReason).toBe("tool_calls");
    expect(asked.metadata.providerFinishReason).toBeUndefined(); // "tool_use" says no more
    expect(asked.toolCalls?.map((c) => c.function.arguments)).toEqual(
      calls.map((c) => c.arguments),
    );
    await manager.storage.addMessage(session.sessionId, {
      messageId: "msg-result-a",
      sessionId: session.sessionId,
      role: "tool",
      content: "7C",
      toolCallId: "toolu_01A",
      timestamp: new Date(),
      metadata: {},
    });
    await session.sendMessage("9C", { role: "tool", toolCallId: "toolu_01B" });
    const [, assistant, results] = last().messages;
    expect(assistant!.content.map((b) => b.type)).toEqual(["text", "tool_use", "tool_use"]);
    expect(assistant!.content[1]).toMatchObject({ id: "toolu_01A", input: { city: "Oslo" } });
    expect(results!.content).toEqual([
      { type: "tool_result", tool_use_id: "toolu_01A", content: "7C" },
      { type: "tool_result", tool_use_id: "toolu_01B", content: "9C" },
    ]);
  });

  it("sends a tool result as text when its call is gone (after clearMessages)", async () => {
    const session = await start();
    const call = { id: "toolu_gone", name: "f", arguments: "{}" };
    server.enqueue({ kind: "reply", text: "", toolCalls: [call] });
    await session.sendMessage("call f");
    await session.clearMessages();
    const reply = await session.sendMessage("42", { role: "tool", toolCallId: "toolu_gone" });
    expect(reply.content).toBe("Echo: Tool result: 42");
    expect(JSON.stringify(last())).not.toContain("toolu_gone");
  });

  it("keeps tool pairs written by another provider after a switch", async () => {
    const mock = new MockProvider({ historyAware: true });
    await manager.close();
    manager = createSessionManager({
      providers: { anthropic: { apiKey: API_KEY, baseURL: server.url }, mock: { adapter: mock } },
    });
    const session = await manager.createSession("u1", "mock", "mock-model");
    await session.sendMessage("start");
    const add = (role: "assistant" | "tool", extra: object) =>
      manager.storage.addMessage(session.sessionId, {
        messageId: `m-${role}-${Math.random()}`,
        sessionId: session.sessionId,
        role,
        content: "",
        timestamp: new Date(),
        metadata: {},
        ...extra,
      });
    const toolCalls = [
      { id: "call_oa1", type: "function", function: { name: "f", arguments: "{}" } },
    ];
    await add("assistant", { toolCalls });
    await add("tool", { content: "done", toolCallId: "call_oa1" });
    await add("tool", { content: "stray", toolCallId: "call_stray" });
    await session.switchProvider("anthropic", MODEL);
    expect((await session.sendMessage("continue")).content).toBe("Echo: continue");
    const sent = JSON.stringify(last());
    expect(sent).toContain('"tool_use_id":"call_oa1"');
    expect(sent).not.toContain("call_stray");
    expect(sent).toContain("Tool result: stray");
  });

  it("records cache reads and writes and prices them at the cache rates", async () => {
    const session = await start();
    server.enqueue({
      kind: "reply",
      text: "cached",
      usage: { input: 100, cached: 1000, cacheCreation: 200, output: 50 },
    });
    await session.sendMessage("long prompt");
    server.enqueue({
      kind: "reply",
      text: "streamed",
      usage: { input: 10, cached: 2000, output: 5 },
    });
    for await (const delta of session.streamMessage("again")) expect(delta).toBeTruthy();
    const metrics = await session.getMetrics();
    expect(metrics).toMatchObject({
      inputTokens: 1300 + 2010,
      cachedTokens: 3000,
      cacheCreationTokens: 200,
      outputTokens: 55,
    });
    // claude-sonnet-5-5: input 2, cache read 0.1, 5-minute cache write 2.5, output 10 ($/M).
    const expected =
      (100 * 2 + 1000 * 0.1 + 200 * 2.5 + 50 * 10 + 10 * 2 + 2000 * 0.1 + 5 * 10) / 1e6;
    expect(metrics.costUsd).toBeCloseTo(expected, 12);
  });

  it("never sends temperature/top_p/top_k, records them and warns once", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const session = await start({ temperature: 0.3, top_p: 0.9, topK: 5, maxTokens: 512 });
    const first = await session.sendMessage("one");
    const second = await session.sendMessage("two");
    for (const call of modelCalls(server)) {
      const body = call.body as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model"]);
      expect(body.max_tokens).toBe(512);
    }
    expect(first.metadata.droppedFields).toEqual(["temperature", "top_p", "top_k"]);
    expect(second.metadata.droppedFields).toEqual(["temperature", "top_p", "top_k"]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/temperature, top_p, top_k/);
  });

  it("the fake refuses what the adapter leaves out (so the check above can fail)", async () => {
    const client = new Anthropic({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 });
    const params = {
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: "user" as const, content: "x" }],
    };
    const error = await client.messages
      .create({ ...params, temperature: 1 } as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.APIError>).apiMessage).toBe(
      "temperature: Extra inputs are not permitted",
    );
  });

  it("keeps conversation_metadata on the session and out of requests", async () => {
    const session = await start({ conversation_metadata: { topic: "coding" } });
    await session.sendMessage("hi");
    expect(session.providerConfig).toMatchObject({ conversation_metadata: { topic: "coding" } });
    const meta = await session.providerSession.getProviderMetadata();
    expect(meta).toMatchObject({
      provider: "anthropic",
      conversationMetadata: { topic: "coding" },
    });
    expect(JSON.stringify(last())).not.toContain("coding");
  });

  it("streams under sendMessage when maxTokens is too large for a plain call", async () => {
    const session = await start({ maxTokens: 64_000 });
    expect((await session.sendMessage("big")).content).toBe("Echo: big");
    expect(last()).toMatchObject({ stream: true, max_tokens: 64_000 });
  });

  it("converts function tools from providerConfig to Messages API tools", async () => {
    const tool = { type: "function", function: { name: "f", parameters: { type: "object" } } };
    const session = await start({ tools: [tool] });
    await session.sendMessage("use f");
    expect(last().tools).toEqual([{ name: "f", input_schema: { type: "object" } }]);
  });

  it("stores a stream cut by an in-band overloaded_error as partial and raises it retryable", async () => {
    const session = await start();
    server.enqueueStreamError(2);
    let received = "";
    let error: unknown;
    try {
      for await (const delta of session.streamMessage("stream then fail")) received += delta;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: null, retryable: true });
    expect(String((error as Error).message)).toContain("Overloaded");
    expect(received).toBe("Echo: stre");
    const stored = await session.getMessages();
    expect(stored[1]).toMatchObject({ content: received, finishReason: "error" });
    expect(stored[1]!.metadata.partial).toBe(true);
    expect(modelCalls(server)).toHaveLength(1); // a stream that has started is not retried
  });
});
