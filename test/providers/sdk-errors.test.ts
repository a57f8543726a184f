import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { mapSdkError } from "../../src/providers/sdk-errors.js";

const map = (error: unknown) =>
  mapSdkError("openai", OpenAI, error, (p, e) => new ProviderError(p, e.message));

describe("mapSdkError", () => {
  it("treats a cut connection as retryable and a bug in code as not", () => {
    expect(map(new TypeError("terminated")).retryable).toBe(true);
    expect(map(new TypeError("fetch failed")).retryable).toBe(true);
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(map(new Error("request failed", { cause: reset })).retryable).toBe(true);
    expect(map(new TypeError("cannot read properties of undefined")).retryable).toBe(false);
    expect(map(new RangeError("bad")).retryable).toBe(false);
  });

  it("stops following a cyclic cause chain", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(map(a).retryable).toBe(false);
  });
});
