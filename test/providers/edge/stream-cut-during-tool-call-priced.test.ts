/**
 * A stream cut while the model was writing a tool call (its arguments streamed as
 * input_json_delta / function_call_arguments.delta / tool_calls deltas, no text yet), before the
 * final usage arrived.
 *
 * docs/providers.md (Streaming): a stream cut after output began spent output tokens nobody
 * counted, unless the final count had arrived: the turn keeps whatever input tokens were reported
 * and counts in unpricedTurns, never as a known cost.
 *
 * A tool call's arguments are output the model generated and the API billed just like text; but
 * the library decided "output was spent" only from text deltas, so this turn was stored with a
 * KNOWN cost that leaves out every output token (Claude: input only; OpenAI: $0).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/index.js";
import { anthropicProvider } from "../../../src/providers/anthropic.js";
import type { ProviderStreamEvent } from "../../../src/providers/types.js";
import { readToEnd } from "../../helpers/replies.js";
import { sse, startWire, type Json, type WireServer } from "./wire.js";

let wire: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await wire?.close();
  manager = wire = undefined;
});

const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";
const anthropicAt = (w: WireServer) => ({
  apiKey: ANTHROPIC_KEY,
  baseURL: w.origin,
  maxRetries: 0,
});

/** A Claude stream that starts a thinking block and a tool call, then ends without message_delta. */
function claudeToolCallCut(model: unknown): Json[] {
  const usage = { input_tokens: 1000, output_tokens: 1, cache_creation_input_tokens: 0 };
  const message = { id: "msg_01cut", type: "message", role: "assistant", model, content: [] };
  const toolUse = { type: "tool_use", id: "toolu_01", name: "get_weather", input: {} };
  const json = (partial_json: string) => ({
    type: "content_block_delta",
    index: 1,
    delta: { type: "input_json_delta", partial_json },
  });
  return [
    { type: "message_start", message: { ...message, stop_reason: null, usage } },
    { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
    { type: "content_block_stop", index: 0 },
    { type: "content_block_start", index: 1, content_block: toolUse },
    json('{"city": "Par'),
    json("is, a very long argument"),
  ];
}

const priced = async (s: { getMetrics(): Promise<{ costUsd: number | null }> }) => {
  const m = (await s.getMetrics()) as { costUsd: number | null; unpricedTurns: number };
  return { costUsd: m.costUsd, unpricedTurns: m.unpricedTurns };
};

describe("a stream cut while the model streams a tool call, before the final usage", () => {
  it("anthropic: is unpriced (its output is unknown), not a known cost of the input alone", async () => {
    wire = await startWire((_path, body, res) => sse(res, claudeToolCallCut(body.model), true));
    manager = createSessionManager({ providers: { anthropic: anthropicAt(wire) } });
    const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5");
    const { error } = await readToEnd(s.streamMessage("weather in Paris?"));
    expect(error).toBeDefined();
    expect((await s.getMetrics()).inputTokens).toBe(1000); // the billed input is kept
    expect(await priced(s)).toEqual({ costUsd: null, unpricedTurns: 1 });
  });

  it("anthropic sendMessage streaming under the hood (large maxTokens): unpriced too", async () => {
    wire = await startWire((_path, body, res) => sse(res, claudeToolCallCut(body.model), true));
    manager = createSessionManager({ providers: { anthropic: anthropicAt(wire) } });
    const s = await manager.createSession("u", "anthropic", "claude-sonnet-5-5", {
      providerConfig: { maxTokens: 30_000 },
    });
    await expect(s.sendMessage("weather in Paris?")).rejects.toThrow();
    expect(wire.requests[0]?.body?.stream).toBe(true);
    expect((await s.getMetrics()).inputTokens).toBe(1000);
    expect(await priced(s)).toEqual({ costUsd: null, unpricedTurns: 1 });
  });

  it("anthropic yields one output event per attempt, however many blocks begin", async () => {
    wire = await startWire((_path, body, res) => sse(res, claudeToolCallCut(body.model), true));
    const adapter = await anthropicProvider(anthropicAt(wire));
    const session = {
      ...{ sessionId: "s", userId: "u", model: "claude-sonnet-5-5", providerSessionId: null },
      ...{ providerConfig: {}, metadata: {} },
    };
    const input = { messageId: "m", sessionId: "s", role: "user" as const, content: "hi" };
    const seen: ProviderStreamEvent["type"][] = [];
    const turn = {
      session,
      history: [],
      input: [{ ...input, timestamp: new Date(), metadata: {} }],
    };
    await (async () => {
      for await (const e of adapter.streamTurn(turn)) seen.push(e.type);
    })().catch(() => undefined);
    expect(seen).toEqual(["usage", "output"]);
  });

  it("openai responses: is unpriced, not a known $0", async () => {
    wire = await startWire((_path, body, res) => {
      const item = { id: "fc_1", type: "function_call", status: "in_progress", call_id: "call_1" };
      const response = { id: "resp_1", object: "response", status: "in_progress", output: [] };
      const args = (delta: string) => ({
        type: "response.function_call_arguments.delta",
        ...{ item_id: "fc_1", output_index: 0, delta },
      });
      const events = [
        { type: "response.created", response: { ...response, model: body.model, usage: null } },
        {
          type: "response.output_item.added",
          output_index: 0,
          item: { ...item, name: "get_weather", arguments: "" },
        },
        args('{"city": "Par'),
        args("is, a very long argument"),
      ];
      sse(res, events, true);
    });
    manager = createSessionManager({
      providers: {
        openai: {
          ...{ apiKey: "sk-test-0123456789abcdef", baseURL: `${wire.origin}/v1` },
          ...{ nativeState: false, maxRetries: 0 },
        },
      },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    const { error } = await readToEnd(s.streamMessage("weather in Paris?"));
    expect(error).toBeDefined();
    expect(await priced(s)).toEqual({ costUsd: null, unpricedTurns: 1 });
  });

  it("chat completions: a cut after the first tool_calls delta is unpriced, not a known $0", async () => {
    const chunk = (delta: Json): Json => ({
      ...{ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" },
      choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    });
    const call = (args: string, first = false): Json => ({
      tool_calls: [
        {
          index: 0,
          ...(first ? { id: "call_1", type: "function" } : {}),
          function: { ...(first ? { name: "get_weather" } : {}), arguments: args },
        },
      ],
    });
    wire = await startWire((_path, _body, res) =>
      sse(
        res,
        [chunk({ role: "assistant" }), chunk(call("", true)), chunk(call('{"ci'))],
        false,
        false,
      ),
    );
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${wire.origin}/v1`, maxRetries: 0 } },
      pricing: { m: { input: 1, output: 1 } },
    });
    const s = await manager.createSession("u", "openai-compatible", "m");
    const { error } = await readToEnd(s.streamMessage("weather in Paris?"));
    expect(error).toBeDefined();
    expect(await priced(s)).toEqual({ costUsd: null, unpricedTurns: 1 });
  });
});
