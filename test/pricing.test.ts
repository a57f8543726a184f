import { describe, expect, it } from "vitest";
import { turnCost } from "../src/pricing.js";

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
