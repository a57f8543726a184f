import { describe, expect, it } from "vitest";
import { modelFamily, priceIn, turnCost } from "../src/pricing.js";
import { anthropicPriceOf } from "../src/providers/anthropic-wire.js";

const usage = (inputTokens: number, outputTokens: number, cachedTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedTokens,
  cacheCreationTokens: 0,
});

describe("turnCost", () => {
  it("is null for spent tokens at an unknown price, never a silent 0", () => {
    expect(turnCost(usage(10, 5), undefined)).toBeNull();
  });

  it("is 0 for a turn that spent no tokens, price known or not (a failed call)", () => {
    expect(turnCost(usage(0, 0), undefined)).toBe(0);
    expect(turnCost(usage(0, 0), { input: 3, output: 15 })).toBe(0);
  });

  it("prices cached input at its own rate", () => {
    const price = { input: 2, output: 10, cachedInput: 0.5 };
    expect(turnCost(usage(1_000_000, 100_000, 400_000), price)).toBeCloseTo(1.2 + 0.2 + 1, 10);
  });
});

describe("turnCost: Anthropic cache writes and long prompts", () => {
  const write = (cacheCreationTokens: number, cacheCreation1hTokens?: number) => ({
    inputTokens: cacheCreationTokens,
    outputTokens: 0,
    cachedTokens: 0,
    cacheCreationTokens,
    ...(cacheCreation1hTokens === undefined ? {} : { cacheCreation1hTokens }),
  });
  const sonnet = { input: 3, output: 15, cacheWrite: 3.75 };

  it("prices 1-hour cache writes at 2x input, 5-minute ones at cacheWrite", () => {
    expect(turnCost(write(1_000_000, 1_000_000), sonnet)).toBeCloseTo(6, 10);
    expect(turnCost(write(1_000_000, 400_000), sonnet)).toBeCloseTo(0.6 * 3.75 + 0.4 * 6, 10);
    expect(turnCost(write(1_000_000), sonnet)).toBeCloseTo(3.75, 10);
    expect(turnCost(write(1_000_000, 1_000_000), { ...sonnet, cacheWrite1h: 5 })).toBeCloseTo(
      5,
      10,
    );
  });

  it("never counts more 1-hour writes than cache writes, nor a stray value", () => {
    expect(turnCost(write(1_000_000, 5_000_000), sonnet)).toBeCloseTo(6, 10);
    expect(turnCost(write(1_000_000, Number.NaN), sonnet)).toBeCloseTo(3.75, 10);
    expect(turnCost(write(1_000_000, -1), sonnet)).toBeCloseTo(3.75, 10);
  });

  it("prices a whole turn at the long-context tier once the prompt is over its threshold", () => {
    const haiku = anthropicPriceOf("claude-haiku-5-5");
    expect(turnCost(usage(100_000, 1_000), haiku)).toBeCloseTo(
      (100_000 * 0.1 + 1_000 * 0.5) / 1e6,
      12,
    );
    expect(turnCost(usage(150_000, 1_000), haiku)).toBeCloseTo(
      (150_000 * 0.5 + 1_000 * 2.5) / 1e6,
      12,
    );
    expect(anthropicPriceOf("claude-haiku-5-5-20261101")).toBe(haiku);
    expect(anthropicPriceOf("claude-haiku-4-5")?.longContext).toBeUndefined();
  });
});

describe("model families", () => {
  it("strips OpenAI's and Anthropic's snapshot dates, and nothing else", () => {
    expect(modelFamily("gpt-4o-2024-08-06")).toBe("gpt-4o");
    expect(modelFamily("claude-opus-4-1-20250805")).toBe("claude-opus-4-1");
    expect(modelFamily("claude-2099")).toBe("claude-2099");
    expect(modelFamily("llama3.2")).toBe("llama3.2");
  });

  it("a table prices a dated id at its own entry, else its family's, never an inherited key", () => {
    const table = {
      "gpt-4o": { input: 1, output: 1 },
      "gpt-4o-2024-05-13": { input: 5, output: 15 },
    };
    expect(priceIn(table, "gpt-4o-2024-08-06")).toBe(table["gpt-4o"]);
    expect(priceIn(table, "gpt-4o-2024-05-13")).toBe(table["gpt-4o-2024-05-13"]);
    expect(priceIn(table, "toString")).toBeUndefined();
    expect(priceIn(table, "gpt-4o-mini-2024-07-18")).toBeUndefined();
  });
});
