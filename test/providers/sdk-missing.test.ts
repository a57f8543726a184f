/**
 * A provider SDK absent from the install (pruned, left external by a bundler, hoisted away in a
 * workspace) must fail the session that needs it with a `ProviderError` that says what to install,
 * as a missing `pg` does, not with Node's raw ERR_MODULE_NOT_FOUND. The SDK is made unresolvable
 * for this file only: its import rejects as Node rejects a package that is not there.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/index.js`), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

/** The library, loaded afresh with `sdk` unresolvable. */
async function withoutSdk(sdk: string) {
  vi.resetModules();
  vi.doMock(sdk, () => {
    throw notFound(sdk);
  });
  const { createSessionManager } = await import("../../src/manager.js");
  const errors = await import("../../src/errors.js");
  return { createSessionManager, ...errors };
}

afterEach(() => {
  vi.doUnmock("openai");
  vi.doUnmock("@anthropic-ai/sdk");
  vi.resetModules();
});

const cases = [
  { provider: "openai", sdk: "openai" },
  { provider: "openai-compatible", sdk: "openai" },
  { provider: "anthropic", sdk: "@anthropic-ai/sdk" },
] as const;

describe("a provider SDK missing from the install", () => {
  it.each(cases)(
    "$provider: createSession fails with a ProviderError that says to npm install $sdk",
    async ({ provider, sdk }) => {
      const lib = await withoutSdk(sdk);
      const manager = lib.createSessionManager({
        storage: "memory",
        // Never contacted: the SDK is needed before any request.
        providers: {
          [provider]: { apiKey: "sk-test-0123456789abcdef", baseURL: "http://127.0.0.1:9/v1" },
        },
      });
      try {
        const error = await manager.createSession("u1", provider, "some-model").then(
          () => expect.unreachable("createSession succeeded without the SDK"),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(lib.ProviderError);
        expect(error).toBeInstanceOf(lib.SessionError);
        const e = error as InstanceType<typeof lib.ProviderError>;
        expect(e.code).toBe("PROVIDER_ERROR");
        expect(e.provider).toBe(provider);
        expect(e.retryable).toBe(false);
        expect(e.message).toContain(`npm install ${sdk}`);
        expect((await manager.getUserSessions("u1")).length).toBe(0);
      } finally {
        await manager.close();
      }
    },
  );
});
