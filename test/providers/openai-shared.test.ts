import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { ProviderError, ValidationError } from "../../src/errors.js";
import {
  connect,
  pairToolCalls,
  toProviderError,
  validateSampling,
} from "../../src/providers/openai-shared.js";
import { openaiPriceOf } from "../../src/providers/openai-prices.js";
import type { SessionMessage } from "../../src/types.js";
import { textMessage, textTranscripts } from "./text-transcripts.js";

const msg = (role: SessionMessage["role"], content: string, extra: Partial<SessionMessage> = {}) =>
  ({
    messageId: `m-${Math.random()}`,
    sessionId: "s",
    role,
    content,
    timestamp: new Date(0),
    metadata: {},
    ...extra,
  }) as SessionMessage;
const call = (id: string) => ({
  id,
  type: "function" as const,
  function: { name: "f", arguments: "{}" },
});

describe("pairToolCalls", () => {
  it("keeps answered calls with their results and drops what an API would reject", () => {
    const messages = [
      msg("user", "q"),
      msg("assistant", "", { toolCalls: [call("a"), call("b")] }),
      msg("tool", "ra", { toolCallId: "a" }),
      msg("tool", "ra again", { toolCallId: "a" }),
      msg("tool", "stray", { toolCallId: "zzz" }),
      msg("assistant", "thinking", { toolCalls: [call("never")] }),
      msg("user", "next"),
      msg("function", "legacy"),
      msg("tool", "orphan", { toolCallId: "c" }),
      msg("assistant", ""),
    ];
    const out = pairToolCalls(messages);
    expect(
      out.map((m) => [m.role, m.content, m.toolCalls?.map((c) => c.id) ?? m.toolCallId]),
    ).toEqual([
      ["user", "q", undefined],
      ["assistant", "", ["a"]],
      ["tool", "ra", "a"],
      ["user", "Tool result: ra again", undefined],
      ["user", "Tool result: stray", undefined],
      ["assistant", "thinking", []],
      ["user", "next", undefined],
      ["user", "Tool result: legacy", undefined],
      ["user", "Tool result: orphan", undefined],
    ]);
  });

  it("pairs each result with the nearest call before it when a later reply reuses the id", () => {
    const out = pairToolCalls([
      msg("user", "Oslo?"),
      msg("assistant", "", { toolCalls: [call("functions.weather:0")] }),
      msg("tool", "3C", { toolCallId: "functions.weather:0" }),
      msg("assistant", "3C in Oslo"),
      msg("user", "Rome?"),
      msg("assistant", "", { toolCalls: [call("functions.weather:0")] }),
      msg("tool", "18C", { toolCallId: "functions.weather:0" }),
    ]);
    expect(
      out.map((m) => [m.role, m.content, m.toolCalls?.map((c) => c.id) ?? m.toolCallId]),
    ).toEqual([
      ["user", "Oslo?", undefined],
      ["assistant", "", ["functions.weather:0"]],
      ["tool", "3C", "functions.weather:0"],
      ["assistant", "3C in Oslo", undefined],
      ["user", "Rome?", undefined],
      ["assistant", "", ["functions.weather:0"]],
      ["tool", "18C", "functions.weather:0"],
    ]);
  });

  it("puts results of parallel calls sent over several turns right after their call", () => {
    const out = pairToolCalls([
      msg("user", "q"),
      msg("assistant", "", { toolCalls: [call("a"), call("b"), call("c")] }),
      msg("tool", "rb", { toolCallId: "b" }),
      msg("assistant", "got b"),
      msg("system", "be brief"),
      msg("tool", "ra", { toolCallId: "a" }),
    ]);
    expect(
      out.map((m) => [m.role, m.content, m.toolCalls?.map((c) => c.id) ?? m.toolCallId]),
    ).toEqual([
      ["user", "q", undefined],
      ["assistant", "", ["a", "b"]], // c is unanswered: left out
      ["tool", "ra", "a"],
      ["tool", "rb", "b"],
      ["assistant", "got b", undefined],
      ["system", "be brief", undefined],
    ]);
  });

  it("moves a system message stored between a call and its result after the result", () => {
    const out = pairToolCalls([
      msg("user", "q"),
      msg("assistant", "", { toolCalls: [call("a")] }),
      msg("system", "answer in French"),
      msg("tool", "ra", { toolCallId: "a" }),
    ]);
    expect(out.map((m) => m.role)).toEqual(["user", "assistant", "tool", "system"]);
  });

  it("leaves text-only transcripts (its fast path) as the general pairing does", () => {
    // An empty legacy `function` message adds nothing, but sends the transcript the general way.
    const general = textMessage("function", "");
    for (const messages of textTranscripts(4)) {
      expect(pairToolCalls(messages)).toEqual(pairToolCalls([...messages, general]));
    }
  });
});

describe("openai pricing", () => {
  it("knows current models and dated snapshots; nothing else", () => {
    expect(openaiPriceOf("gpt-4o-mini")).toEqual({ input: 0.15, cachedInput: 0.075, output: 0.6 });
    expect(openaiPriceOf("gpt-4.1-2025-04-14")).toEqual(openaiPriceOf("gpt-4.1"));
    // A snapshot priced apart from its family has its own entry.
    expect(openaiPriceOf("gpt-4o-2024-05-13")).toEqual({ input: 5, output: 15 });
    expect(openaiPriceOf("gpt-4o-mini-tts")).toBeUndefined();
    expect(openaiPriceOf("toString")).toBeUndefined();
  });
});

describe("openai error mapping", () => {
  const conn = { provider: "openai", client: {} as OpenAI, sdk: OpenAI };
  const apiError = (status: number, body: object) =>
    OpenAI.APIError.generate(
      status,
      { error: body },
      undefined,
      new Headers({ "x-request-id": "req_1" }),
    );

  it("scrubs masked keys and classifies retryable statuses", () => {
    const auth = toProviderError(
      conn,
      apiError(401, {
        message: "Incorrect API key provided: sk-proj-****abcd.",
        code: "invalid_api_key",
      }),
    );
    expect(auth).toMatchObject({ status: 401, retryable: false, provider: "openai" });
    expect(auth.message).not.toContain("****abcd");
    expect(auth.message).toContain("req_1");
    expect(toProviderError(conn, apiError(429, { message: "slow down" })).retryable).toBe(true);
    const quota = apiError(429, { message: "quota", code: "insufficient_quota" });
    expect(toProviderError(conn, quota).retryable).toBe(false);
    expect(toProviderError(conn, apiError(529, { message: "overloaded" })).retryable).toBe(true);
    expect(toProviderError(conn, new OpenAI.APIUserAbortError())).toMatchObject({
      retryable: false,
    });
    const timeout = toProviderError(conn, new OpenAI.APIConnectionTimeoutError());
    expect(timeout).toMatchObject({ status: null, retryable: true });
    const cut = toProviderError(conn, new TypeError("terminated"));
    expect(cut).toBeInstanceOf(ProviderError);
    expect(cut.retryable).toBe(true);
  });
});

describe("openai options", () => {
  it("refuses bad sampling settings and a client that is not one, naming the field", async () => {
    expect(() => validateSampling({ temperature: 3 })).toThrow(ValidationError);
    expect(() => validateSampling({ maxTokens: 1.5 })).toThrow(/providerConfig.maxTokens/);
    // The Responses API refuses max_output_tokens below 16; Chat Completions takes any.
    expect(() => validateSampling({ maxTokens: 10 }, 16)).toThrow(
      /maxTokens: must be an integer of at least 16/,
    );
    expect(() => validateSampling({ max_tokens: 16 }, 16)).not.toThrow();
    expect(() => validateSampling({ maxTokens: 10 })).not.toThrow();
    expect(() => validateSampling({ tools: [{ type: "function" }] })).toThrow(
      /providerConfig.tools/,
    );
    await expect(connect("openai", { client: {} }, { keyRequired: true })).rejects.toMatchObject({
      field: "providers.openai.client",
    });
    const client = new OpenAI({ apiKey: "sk-test-given-client-0000" });
    expect((await connect("openai", { client }, { keyRequired: true })).client).toBe(client);
  });
});
