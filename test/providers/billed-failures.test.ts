import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import type { SessionMetrics } from "../../src/types.js";
import { readToEnd } from "../helpers/replies.js";
import { json, openaiAt, responseObject, sse, startWire, type WireServer } from "./edge/wire.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

// A call that fails after the API billed it must cost the same whether the turn was sent or
// streamed. A streamed turn counts the usage events it saw; a sent one counted nothing: Anthropic's
// sendMessage with a large maxTokens streams under the hood and dropped message_start's input
// usage, and a Responses `status: "failed"` with usage was thrown before its usage was read.
const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";
// Above 21,333 the SDK refuses a non-streaming call: sendMessage streams (docs/providers.md).
const BIG = { providerConfig: { maxTokens: 64_000 } };

let anthropic: AnthropicFakeServer | undefined;
let openai: OpenAIFakeServer | undefined;
let wire: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await anthropic?.close();
  await openai?.close();
  await wire?.close();
  manager = anthropic = openai = wire = undefined;
});

const counts = (m: SessionMetrics) => ({
  inputTokens: m.inputTokens,
  outputTokens: m.outputTokens,
  cachedTokens: m.cachedTokens,
  cacheCreationTokens: m.cacheCreationTokens,
  costUsd: m.costUsd,
  unpricedTurns: m.unpricedTurns,
});

async function claude(fallback = false) {
  anthropic = await startAnthropicServer();
  openai = await startOpenAIServer();
  manager = createSessionManager({
    providers: {
      anthropic: {
        apiKey: ANTHROPIC_KEY,
        baseURL: anthropic.url,
        ...(fallback ? { fallback: [{ provider: "openai", model: "gpt-4o" }] } : {}),
      },
      openai: { apiKey: OPENAI_KEY, baseURL: openai.url, maxRetries: 0 },
    },
  });
  return manager;
}

/** The counters of the same turn streamed, then sent, each on a fresh session; `queue` sets it up. */
async function streamedAndSent(m: SessionManager, queue: () => void, answered: boolean) {
  const streamed = await m.createSession("u", "anthropic", "claude-sonnet-5-5", BIG);
  queue();
  const { error } = await readToEnd(streamed.streamMessage("hello there"));
  expect(error === undefined).toBe(answered);
  const sent = await m.createSession("u", "anthropic", "claude-sonnet-5-5", BIG);
  queue();
  const outcome = await sent.sendMessage("hello there").catch((e: unknown) => e);
  expect(outcome instanceof ProviderError).toBe(!answered);
  return { streamed: counts(await streamed.getMetrics()), sent: counts(await sent.getMetrics()) };
}

describe("anthropic sendMessage read from a stream that fails in-band", () => {
  it("counts the input message_start billed, as the streamed turn does", async () => {
    const m = await claude();
    const { streamed, sent } = await streamedAndSent(
      m,
      () => anthropic!.enqueueStreamError(0),
      false,
    );
    expect(streamed.inputTokens).toBeGreaterThan(0);
    expect(streamed.costUsd).toBeGreaterThan(0);
    expect(sent).toEqual(streamed);
  });

  it("counts a failure after text as unpriced, its input kept, as the streamed turn does", async () => {
    const m = await claude();
    const { streamed, sent } = await streamedAndSent(
      m,
      () => anthropic!.enqueueStreamError(2),
      false,
    );
    expect(streamed).toMatchObject({ costUsd: null, unpricedTurns: 1 });
    expect(streamed.inputTokens).toBeGreaterThan(0);
    expect(sent).toEqual(streamed);
  });

  it("counts the failed attempt once when a fallback then answers", async () => {
    const m = await claude(true);
    const queue = () => {
      anthropic!.enqueueStreamError(0);
      openai!.enqueue({ kind: "reply", text: "hi", usage: { input: 1000, output: 100 } });
    };
    const { streamed, sent } = await streamedAndSent(m, queue, true);
    expect(streamed.inputTokens).toBeGreaterThan(1000); // the Claude attempt and gpt-4o's reply
    expect(sent).toEqual(streamed);
  });

  it("counts it when the fallback fails too", async () => {
    const m = await claude(true);
    const queue = () => {
      anthropic!.enqueueStreamError(0);
      openai!.enqueue({ kind: "error", status: 500 });
    };
    const { streamed, sent } = await streamedAndSent(m, queue, false);
    expect(streamed.inputTokens).toBeGreaterThan(0);
    expect(sent).toEqual(streamed);
  });
});

describe("openai: a failed response that reports usage", () => {
  it("counts the same tokens whether the turn was sent or streamed", async () => {
    wire = await startWire((_path, body, res) => {
      // responseObject's usage: input 10, output 5.
      const failed = responseObject(body.model, [], {
        status: "failed",
        completed_at: null,
        error: { code: "server_error", message: "The server had an error" },
      });
      if (!body.stream) return json(res, 200, failed);
      const started = { ...failed, status: "in_progress", error: null, usage: null };
      const events = [
        { type: "response.created", response: started },
        { type: "response.failed", response: failed },
      ];
      sse(res, events, true);
    });
    manager = createSessionManager({ providers: { openai: { ...openaiAt(wire), maxRetries: 0 } } });
    const streamed = await manager.createSession("u", "openai", "gpt-4o");
    expect((await readToEnd(streamed.streamMessage("hi"))).error).toBeInstanceOf(ProviderError);
    const sent = await manager.createSession("u", "openai", "gpt-4o");
    await expect(sent.sendMessage("hi")).rejects.toThrow(/server_error/);
    const expected = counts(await streamed.getMetrics());
    expect(expected).toMatchObject({ inputTokens: 10, outputTokens: 5, unpricedTurns: 0 });
    expect(counts(await sent.getMetrics())).toEqual(expected);
    // The error stays a plain ProviderError to the caller.
    const error = await sent.sendMessage("again").catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ProviderError", code: "PROVIDER_ERROR", retryable: true });
  });
});
