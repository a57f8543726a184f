import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { startAnthropicServer, type AnthropicFakeServer } from "../fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../fake/openai-server.js";
import { readToEnd } from "../../helpers/replies.js";

const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";
const FAIL = { kind: "error", status: 500, headers: { "retry-after-ms": "1" } } as const;
// claude-sonnet-5-5: $2 / $10 per million (docs/providers.md); gpt-4o: $2.50 / $10.
const sonnetCost = (i: number, o: number) => (i * 2 + o * 10) / 1e6;

/** Both fake servers, and a manager whose `primary` falls back to `fallback`, fresh per test. */
function fallbackSetup(
  primary: "openai" | "anthropic",
  fallback: { provider: string; model: string },
) {
  const made = {} as {
    openai: OpenAIFakeServer;
    anthropic: AnthropicFakeServer;
    manager: SessionManager;
  };
  beforeEach(async () => {
    made.openai = await startOpenAIServer();
    made.anthropic = await startAnthropicServer();
    const openai = { apiKey: OPENAI_KEY, baseURL: made.openai.url, maxRetries: 0 };
    const anthropic = { apiKey: ANTHROPIC_KEY, baseURL: made.anthropic.url, maxRetries: 0 };
    const providers = { openai, anthropic };
    providers[primary] = { ...providers[primary], fallback: [fallback] } as never;
    made.manager = createSessionManager({ providers });
  });
  afterEach(async () => {
    await made.manager.close();
    await made.openai.close();
    await made.anthropic.close();
  });
  return made;
}

describe("fallback: a streamed turn the fallback served only in part", () => {
  const servers = fallbackSetup("openai", { provider: "anthropic", model: "claude-sonnet-5-5" });
  const openai = () => servers.openai;
  const anthropic = () => servers.anthropic;
  const manager = () => servers.manager;

  it("a fallback stream cut mid-way is recorded as served by the fallback, its input counted", async () => {
    const s = await manager().createSession("u", "openai", "gpt-4o");
    openai().enqueue(FAIL);
    anthropic().enqueue({ kind: "drop", afterChunks: 2 });
    const stream = s.streamMessage("hello there, how are you");
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toBeInstanceOf(ProviderError);
    const stored = await s.getMessages();
    expect(stored).toHaveLength(2);
    const partial = stored[1]!;
    expect(partial.metadata.partial).toBe(true);
    const m = await s.getMetrics();
    expect(m.inputTokens).toBeGreaterThan(0);
    // docs/providers.md, Fallback: "The reply's metadata records it". Cut after text but before
    // message_delta, the output count is unknown: the turn is unpriced (the next test shows the
    // fallback model's rate for a cut whose count is known).
    expect({ servedBy: partial.metadata.servedBy, cost: m.costUsd }).toEqual({
      servedBy: "anthropic",
      cost: null,
    });
  });

  it("a fallback stream that fails before any text is still priced at the fallback model's rate", async () => {
    const s = await manager().createSession("u", "openai", "gpt-4o");
    openai().enqueue(FAIL);
    // message_start (input tokens billed), then an in-band overloaded_error before any text.
    anthropic().enqueueStreamError(0, "overloaded_error");
    const stream = s.streamMessage("hello there, how are you");
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toBeInstanceOf(ProviderError);
    const stored = await s.getMessages();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.metadata.unanswered).toBe(true);
    const m = await s.getMetrics();
    expect(m.inputTokens).toBeGreaterThan(0); // Anthropic's message_start tokens were counted
    expect(m.costUsd).toBeCloseTo(sonnetCost(m.inputTokens, m.outputTokens), 12);
  });
});

describe("fallback: tokens the primary's cut stream already billed", () => {
  const servers = fallbackSetup("anthropic", { provider: "openai", model: "gpt-4o" });
  const openai = () => servers.openai;
  const anthropic = () => servers.anthropic;
  const manager = () => servers.manager;

  // docs/providers.md, Streaming: Anthropic reports input tokens in message_start, "so a cut Claude
  // stream is still counted and priced". Without a fallback these tokens are counted (the input is
  // stored unanswered with them); with one, they vanish from the session's counters.
  it("counts the input tokens of a Claude stream cut before any text, when the fallback then answers", async () => {
    const s = await manager().createSession("u", "anthropic", "claude-sonnet-5-5");
    anthropic().enqueueStreamError(0, "overloaded_error");
    openai().enqueue({ kind: "reply", usage: { input: 7, output: 3 } });
    const stream = s.streamMessage("hello there, how are you");
    for await (const _ of stream) void _;
    expect((await stream.reply).metadata).toMatchObject({ servedBy: "openai" });
    const m = await s.getMetrics();
    expect(m.inputTokens).toBeGreaterThan(7);
  });

  it("still counts them when the caller breaks off the fallback's stream", async () => {
    const s = await manager().createSession("u", "anthropic", "claude-sonnet-5-5");
    anthropic().enqueueStreamError(0, "overloaded_error");
    openai().enqueue({ kind: "reply", text: "a fairly long reply from the fallback provider" });
    const stream = s.streamMessage("hello");
    let n = 0;
    for await (const _ of stream) {
      void _;
      if (++n === 3) break;
    }
    expect((await stream.reply).finishReason).toBe("aborted");
    const m = await s.getMetrics();
    expect(m.inputTokens).toBeGreaterThan(0);
    // OpenAI reports usage only at the end of its stream: what its cut reply cost is unknown, so
    // the turn is unpriced rather than priced at Claude's part alone.
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  });
});

describe("fallback: a stream the caller breaks off, or the primary fails after text", () => {
  const servers = fallbackSetup("anthropic", { provider: "openai", model: "gpt-4o" });
  const openai = () => servers.openai;
  const anthropic = () => servers.anthropic;
  const manager = () => servers.manager;

  it("breaking off the fallback's stream stores what was read, marked as served by the fallback", async () => {
    const s = await manager().createSession("u", "anthropic", "claude-sonnet-5-5");
    anthropic().enqueue({ kind: "error", status: 529 });
    openai().enqueue({ kind: "reply", text: "a fairly long reply from the fallback provider" });
    const stream = s.streamMessage("hello");
    let read = "";
    let n = 0;
    for await (const delta of stream) {
      read += delta;
      if (++n === 3) break;
    }
    const reply = await stream.reply;
    expect(reply).toMatchObject({ content: read, finishReason: "aborted" });
    expect(reply.metadata).toMatchObject({
      fallbackFrom: "anthropic",
      servedBy: "openai",
      partial: true,
    });
  });

  it("an error after text is not handed to the fallback: what arrived is stored as an error", async () => {
    const s = await manager().createSession("u", "anthropic", "claude-sonnet-5-5");
    anthropic().enqueueStreamError(2, "overloaded_error");
    const { read, error } = await readToEnd(s.streamMessage("hello there friend"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(read.length).toBeGreaterThan(0);
    expect((await s.getMessages())[1]).toMatchObject({ content: read, finishReason: "error" });
    expect(openai().requests).toHaveLength(0);
  });
});

describe("fallback: a primary stream dropped before any text", () => {
  const servers = fallbackSetup("openai", { provider: "anthropic", model: "claude-sonnet-5-5" });

  it("is answered by the fallback, whose whole reply is read and stored", async () => {
    const s = await servers.manager.createSession("u", "openai", "gpt-4o");
    servers.openai.enqueue({ kind: "drop", afterChunks: 0 });
    const stream = s.streamMessage("hello there");
    let read = "";
    for await (const delta of stream) read += delta;
    expect(read).toBe("Echo: hello there");
    const reply = await stream.reply;
    expect(reply.content).toBe(read);
    expect(reply.metadata).toMatchObject({ fallbackFrom: "openai", servedBy: "anthropic" });
  });
});
