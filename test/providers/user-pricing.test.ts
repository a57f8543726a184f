import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { ProviderError, type ProviderAdapter } from "../../src/index.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

// docs/providers.md, Pricing: a dated snapshot uses its family's price, and the manager's
// `pricing` wins over the built-in table. The user's table was looked up by the exact id only, so
// a user price for `gpt-4o` lost to the built-in one on `gpt-4o-2024-08-06`, and one for a family
// the built-in table lacks left its dated ids unpriced.
const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";
const MILLION_IN = { input: 1_000_000, output: 0 };

let anthropic: AnthropicFakeServer | undefined;
let openai: OpenAIFakeServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await anthropic?.close();
  await openai?.close();
  manager = anthropic = openai = undefined;
});

/** The cost of one OpenAI turn of a million input tokens on `model`, with this `pricing`. */
async function openaiCost(
  model: string,
  pricing: Record<string, { input: number; output: number }>,
) {
  openai ??= await startOpenAIServer();
  await manager?.close();
  manager = createSessionManager({
    providers: { openai: { apiKey: OPENAI_KEY, baseURL: openai.url } },
    pricing,
  });
  const s = await manager.createSession("u", "openai", model);
  openai.enqueue({ kind: "reply", text: "hi", usage: MILLION_IN });
  await s.sendMessage("x");
  return (await s.getMetrics()).costUsd;
}

describe("the user's pricing for a model family", () => {
  it("prices its dated snapshots over the built-in family price", async () => {
    expect(
      await openaiCost("gpt-4o-2024-08-06", { "gpt-4o": { input: 1, output: 1 } }),
    ).toBeCloseTo(1, 9);
  });

  it("prices a dated Claude id whose family the built-in table lacks", async () => {
    anthropic = await startAnthropicServer();
    manager = createSessionManager({
      providers: { anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropic.url } },
      pricing: { "claude-opus-4-1": { input: 15, output: 75 } },
    });
    const s = await manager.createSession("u", "anthropic", "claude-opus-4-1-20250805");
    anthropic.enqueue({ kind: "reply", text: "hi", usage: MILLION_IN });
    await s.sendMessage("x");
    const m = await s.getMetrics();
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: 15,
      unpricedTurns: 0,
    });
  });

  it("gives way to the user's price for the exact id", async () => {
    const pricing = {
      "gpt-4o": { input: 1, output: 1 },
      "gpt-4o-2024-08-06": { input: 3, output: 1 },
    };
    expect(await openaiCost("gpt-4o-2024-08-06", pricing)).toBeCloseTo(3, 9);
  });

  it("leaves other families to the built-in table", async () => {
    // gpt-4o-mini is $0.15 per million input tokens built in.
    expect(
      await openaiCost("gpt-4o-mini-2024-07-18", { "gpt-4o": { input: 1, output: 1 } }),
    ).toBeCloseTo(0.15, 9);
    expect(await openaiCost("gpt-4o-2024-08-06", {})).toBeCloseTo(2.5, 9);
  });
});

describe("the user's own price entries", () => {
  it("take a 1-hour cache write rate and a long-context tier, checked like the rest", async () => {
    const tiered = {
      input: 1,
      output: 1,
      cacheWrite1h: 3,
      longContext: { inputTokensOver: 500_000, price: { input: 2, output: 2 } },
    };
    expect(await openaiCost("my-model", { "my-model": tiered })).toBeCloseTo(2, 9);
    expect(() =>
      createSessionManager({
        pricing: { m: { ...tiered, longContext: { inputTokensOver: -1, price: tiered } } },
      }),
    ).toThrow(/pricing\.m\.longContext/);
  });
});

describe("a failed call of your own adapter", () => {
  it("counts what its ProviderError says was billed", async () => {
    const usage = { inputTokens: 7, outputTokens: 0, cachedTokens: 0, cacheCreationTokens: 0 };
    const adapter: ProviderAdapter = {
      name: "own",
      historyMode: () => "none",
      priceOf: () => ({ input: 1_000_000, output: 0 }),
      sendTurn: () => {
        throw new ProviderError("own", "broke after the prompt", { spent: [{ usage }] });
      },
      // eslint-disable-next-line require-yield
      async *streamTurn() {
        throw new ProviderError("own", "broke", { spent: [{ usage }] });
      },
    };
    manager = createSessionManager({ providers: { own: { adapter } } });
    const s = await manager.createSession("u", "own", "m");
    await expect(s.sendMessage("x")).rejects.toThrow(ProviderError);
    await expect(s.streamMessage("y").complete()).rejects.toThrow(ProviderError);
    expect(await s.getMetrics()).toMatchObject({ inputTokens: 14, costUsd: 14 });
  });
});
