/**
 * A provider SDK absent from the install (pruned, left external by a bundler, hoisted away in a
 * workspace) must fail the session that needs it with a `ProviderError` that says what to install,
 * as a missing `pg` does, not with Node's raw ERR_MODULE_NOT_FOUND. The SDK is made unresolvable
 * for this file only: its import rejects as Node rejects a package that is not there.
 *
 * An SDK that IS installed but fails to load (a dependency of its own missing, a Node.js built-in
 * this Node.js lacks, a syntax error) must say so and why, not "npm install", which would change
 * nothing: the CLI prints the message only, never its `cause`.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { importLib } from "../../src/internal/lazy.js";

// Node's own texts and codes (Node 20), as an import of the SDK rejects with them.
function notFound(name: string, from = "/app/index.js"): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from ${from}`), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

const noBuiltin = Object.assign(new Error("No such built-in module: node:sqlite"), {
  code: "ERR_UNKNOWN_BUILTIN_MODULE",
});

/** The library, loaded afresh with `sdk`'s import rejecting with `error` (by default: not there). */
async function withoutSdk(sdk: string, error: Error = notFound(sdk)) {
  vi.resetModules();
  vi.doMock(sdk, () => {
    throw error;
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

/** What `createSession` throws with `sdk`'s import rejecting with `thrown`. */
async function createSessionError(provider: string, sdk: string, thrown: Error) {
  const lib = await withoutSdk(sdk, thrown);
  const manager = lib.createSessionManager({
    storage: "memory",
    // Never contacted: the SDK is needed before any request.
    providers: {
      [provider]: { apiKey: "sk-test-0123456789abcdef", baseURL: "http://127.0.0.1:9/v1" },
    },
  });
  try {
    const error = await manager.createSession("u1", provider, "some-model").then(
      () => expect.unreachable("createSession succeeded with an SDK that fails to load"),
      (e: unknown) => e,
    );
    expect((await manager.getUserSessions("u1")).length).toBe(0);
    return { error, lib };
  } finally {
    await manager.close();
  }
}

describe("a provider SDK installed but failing to load", () => {
  const failures = [
    { why: "a Node.js built-in this Node.js lacks", thrown: () => noBuiltin },
    {
      why: "a dependency of its own missing",
      thrown: () => notFound("formdata-node", "/app/node_modules/openai/index.mjs"),
    },
    { why: "a syntax error in it", thrown: () => new SyntaxError("Unexpected token 'export'") },
  ];
  it.each(cases.flatMap((c) => failures.map((f) => ({ ...c, ...f }))))(
    "$provider, $why: a ProviderError that says it failed to load and why, not to install it",
    async ({ provider, sdk, thrown }) => {
      const reason = thrown();
      const { error, lib } = await createSessionError(provider, sdk, reason);
      expect(error).toBeInstanceOf(lib.ProviderError);
      const e = error as InstanceType<typeof lib.ProviderError>;
      expect(e.provider).toBe(provider);
      expect(e.retryable).toBe(false);
      expect(e.message).toContain(`"${sdk}" is installed but failed to load: ${reason.message}`);
      expect(e.message).not.toContain("npm install");
    },
  );
});

describe("importLib", () => {
  const rejecting = (error: unknown) => () => Promise.reject(error);
  const messageOf = (name: string, error: unknown) =>
    importLib(name, rejecting(error)).then(
      () => expect.unreachable("importLib resolved"),
      (e: Error) => e.message,
    );

  it("says to install a library that is not there, as ESM or CommonJS says it", async () => {
    const cjs = Object.assign(new Error("Cannot find module 'pg'\nRequire stack:\n- /app/a.js"), {
      code: "MODULE_NOT_FOUND",
    });
    expect(await messageOf("pg", cjs)).toBe(
      '[session] "pg" is needed for this feature: npm install pg',
    );
    expect(await messageOf("@anthropic-ai/sdk", notFound("@anthropic-ai/sdk"))).toContain(
      "npm install @anthropic-ai/sdk",
    );
  });

  it("does not take another package's name that begins with the library's for the library", async () => {
    const message = await messageOf("pg", notFound("pg-pool", "/app/node_modules/pg/lib/index.js"));
    expect(message).toBe(
      "[session] \"pg\" is installed but failed to load: Cannot find package 'pg-pool' " +
        "imported from /app/node_modules/pg/lib/index.js",
    );
  });

  it("gives the reason at the bottom of a wrapped error, and keeps the error as cause", async () => {
    const wrapped = new Error("a loader failed", { cause: noBuiltin });
    const error = await importLib("openai", rejecting(wrapped)).catch((e: Error) => e);
    expect(error.message).toBe(
      '[session] "openai" is installed but failed to load: No such built-in module: node:sqlite',
    );
    expect(error.cause).toBe(wrapped);
  });

  it("copes with a thrown value that is no Error, and a cause chain that loops", async () => {
    expect(await messageOf("openai", "boom")).toContain("installed but failed to load: boom");
    const loop: Error & { cause?: unknown } = new Error("loops");
    loop.cause = loop;
    expect(await messageOf("openai", loop)).toContain("failed to load: loops");
  });
});
