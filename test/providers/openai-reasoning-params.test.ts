import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { modelCalls } from "./conformance.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

const API_KEY = "sk-test-openai-0123456789abcdef";

// The Responses API answers temperature/top_p for a reasoning model with 400 "Unsupported
// parameter: 'temperature' is not supported with this model." (the fake does too).
describe("openai: sampling settings a reasoning model refuses", () => {
  let server: OpenAIFakeServer;
  let manager: SessionManager;

  beforeEach(async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { openai: { apiKey: API_KEY, baseURL: server.url } },
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await manager.close();
    await server.close();
  });

  const sent = () => modelCalls(server).map((c) => c.body as Record<string, unknown>);

  it("leaves temperature and top_p out for gpt-5-mini, lists them in droppedFields, warns once", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const s = await manager.createSession("u", "openai", "gpt-5-mini", {
      providerConfig: { temperature: 0.7, top_p: 0.9, maxTokens: 2048 },
    });
    const first = await s.sendMessage("one");
    const stream = s.streamMessage("two");
    for await (const _ of stream) void _;
    const second = await stream.reply;
    for (const body of sent()) {
      expect(body).not.toHaveProperty("temperature");
      expect(body).not.toHaveProperty("top_p");
      expect(body.max_output_tokens).toBe(2048);
    }
    expect(first.metadata.droppedFields).toEqual(["temperature", "top_p"]);
    expect(second.metadata.droppedFields).toEqual(["temperature", "top_p"]);
    const dropped = warn.mock.calls.filter(
      (call) => (call[1] as { code?: string })?.code === "LANGSWARM_OPENAI_DROPPED_FIELDS",
    );
    expect(dropped).toHaveLength(1);
    expect(String(dropped[0]![0])).toMatch(/temperature, top_p/);
  });

  it("does the same for the o-series (o3, o4-mini) and a proxy's openai/ prefix", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    for (const model of ["o3", "o4-mini", "openai/gpt-5"]) {
      const s = await manager.createSession("u", "openai", model, {
        providerConfig: { temperature: 0.2 },
      });
      const reply = await s.sendMessage("hi");
      expect(reply.metadata.droppedFields).toEqual(["temperature"]);
    }
    for (const body of sent()) expect(body).not.toHaveProperty("temperature");
  });

  it("still sends them to models that take them (gpt-4o-mini, gpt-5-chat-latest)", async () => {
    for (const model of ["gpt-4o-mini", "gpt-5-chat-latest"]) {
      const s = await manager.createSession("u", "openai", model, {
        providerConfig: { temperature: 0.3, topP: 0.5 },
      });
      const reply = await s.sendMessage("hi");
      expect(reply.metadata).not.toHaveProperty("droppedFields");
      expect(sent().at(-1)).toMatchObject({ model, temperature: 0.3, top_p: 0.5 });
    }
  });

  it("the fake refuses what the adapter leaves out (so the checks above can fail)", async () => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 });
    const error = await client.responses
      .create({ model: "gpt-5-mini", input: "x", temperature: 0.7 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ code: "unsupported_parameter", param: "temperature" });
  });
});
