import { describe, expect, it } from "vitest";
import { ValidationError, createSessionManager } from "../src/index.js";
import { createTestManager } from "../src/testing/index.js";

describe("a misspelt provider option", () => {
  it("`timeout` (providerConfig's name) in manager provider options is refused, naming it", () => {
    // The provider option is `timeoutMs`; `timeout: 30` is silently dropped today, so the SDK's
    // 10-minute default applies with no word.
    const make = () =>
      createSessionManager({ providers: { openai: { apiKey: "sk-test", timeout: 30 } as never } });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(/providers\.openai\.timeout/);
  });

  it("a misspelt mock option is refused, naming it", () => {
    const make = () => createSessionManager({ providers: { mock: { latncyMs: 5 } as never } });
    expect(make).toThrow(/providers\.mock\.latncyMs/);
  });

  it("createTestManager refuses a misspelt mock option", () => {
    expect(() => createTestManager({ mock: { latncyMs: 5 } as never })).toThrow(ValidationError);
  });
});
