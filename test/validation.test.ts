import { describe, expect, it } from "vitest";
import {
  createSessionManager,
  memoryStorage,
  postgresStorage,
  SessionNotFoundError,
  sqliteStorage,
  StorageFactory,
  ValidationError,
  type Session,
  type SessionManager,
} from "../src/index.js";

/** A cursor as getUserSessions encodes one, with any content. */
function forgedCursor(parts: unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

async function setup(): Promise<{ manager: SessionManager; session: Session }> {
  const manager = createSessionManager({ maxMessageBytes: 1024 });
  const session = await manager.createSession("u", "mock", "m");
  await session.sendMessage("seed");
  return { manager, session };
}

/** Asserts a typed error naming `field`, and that storage did not change. */
async function expectRefused(
  call: (ctx: { manager: SessionManager; session: Session }) => Promise<unknown>,
  field: string,
): Promise<void> {
  const ctx = await setup();
  const before = await ctx.manager.storage.getMemoryUsage();
  const messages = await ctx.session.getMessages();
  const error = await call(ctx).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe(field);
  expect((error as ValidationError).message).toContain(field);
  const after = await ctx.manager.storage.getMemoryUsage();
  expect([after.sessions, after.messages]).toEqual([before.sessions, before.messages]);
  expect(await ctx.session.getMessages()).toEqual(messages);
}

describe("bad input gets a ValidationError naming the field, and changes nothing", () => {
  const cases: [
    string,
    string,
    (c: { manager: SessionManager; session: Session }) => Promise<unknown>,
  ][] = [
    ["empty content", "content", ({ session }) => session.sendMessage("")],
    ["blank content", "content", ({ session }) => session.sendMessage("   \n")],
    [
      "non-string content",
      "content",
      ({ session }) => session.sendMessage(42 as unknown as string),
    ],
    ["oversized content", "content", ({ session }) => session.sendMessage("x".repeat(1025))],
    [
      "oversized multibyte content",
      "content",
      ({ session }) => session.sendMessage("😀".repeat(300)),
    ],
    [
      "unknown role",
      "role",
      ({ session }) => session.sendMessage("hi", { role: "wizard" as "user" }),
    ],
    [
      "tool message without id",
      "toolCallId",
      ({ session }) => session.sendMessage("{}", { role: "tool" }),
    ],
    ["empty system message", "content", ({ session }) => session.sendSystemMessage("")],
    ["bad limit", "limit", ({ session }) => session.getMessages({ limit: -1 })],
    [
      "non-object context",
      "context",
      ({ session }) => session.updateContext("x" as unknown as Record<string, unknown>),
    ],
    ["empty user id", "userId", ({ manager }) => manager.createSession("", "mock", "m")],
    [
      "user id over 256 chars",
      "userId",
      ({ manager }) => manager.createSession("u".repeat(257), "mock", "m"),
    ],
    [
      "non-string user id",
      "userId",
      ({ manager }) => manager.createSession(7 as unknown as string, "mock", "m"),
    ],
    [
      "unconfigured provider",
      "provider",
      ({ manager }) => manager.createSession("u", "openai", "m"),
    ],
    ["empty model", "model", ({ manager }) => manager.createSession("u", "mock", "")],
    [
      "bad session config",
      "sessionConfig.context",
      ({ manager }) =>
        manager.createSession("u", "mock", "m", {
          sessionConfig: { context: [] as unknown as Record<string, unknown> },
        }),
    ],
    [
      "bad status filter",
      "status",
      ({ manager }) => manager.getUserSessions("u", { status: "gone" as "active" }),
    ],
    ["bad cursor", "cursor", ({ manager }) => manager.getUserSessions("u", { cursor: "nonsense" })],
    [
      "forged cursor with a time outside years 0001-9999",
      "cursor",
      ({ manager }) => manager.getUserSessions("u", { cursor: forgedCursor([1e300, "x"]) }),
    ],
    [
      "forged cursor with a time just before year 0001",
      "cursor",
      ({ manager }) =>
        manager.getUserSessions("u", {
          cursor: forgedCursor([Date.parse("0001-01-01T00:00:00.000Z") - 1, "x"]),
        }),
    ],
    [
      "forged cursor whose session id is not a string",
      "cursor",
      ({ manager }) => manager.getUserSessions("u", { cursor: forgedCursor([0, 7]) }),
    ],
    [
      "forged cursor whose session id no backend could hold",
      "cursor",
      ({ manager }) => manager.getUserSessions("u", { cursor: forgedCursor([0, "zzz\0"]) }),
    ],
    [
      "misspelt listing option (the status filter would be dropped)",
      "options.satus",
      ({ manager }) => manager.getUserSessions("u", { satus: "active" } as never),
    ],
    [
      "misspelt getSession option (the ownership check would be skipped)",
      "options.userID",
      ({ manager, session }) => manager.getSession(session.sessionId, { userID: "x" } as never),
    ],
    [
      "non-string userId for a session that does not exist",
      "userId",
      ({ manager }) => manager.getSession("missing", { userId: 42 as never }),
    ],
    [
      "misspelt cleanup option (the default 24 hours would be used)",
      "options.maxInactiveHour",
      ({ manager }) =>
        manager.cleanupInactiveSessions({ maxInactiveHour: 8760, action: "delete" } as never),
    ],
    [
      "misspelt getMessages option",
      "options.limt",
      ({ session }) => session.getMessages({ limt: 1 } as never),
    ],
    [
      "misspelt sendMessage option",
      "options.metdata",
      ({ session }) => session.sendMessage("hi", { metdata: {} } as never),
    ],
    ["empty session id", "sessionId", ({ manager }) => manager.getSession("")],
    [
      "bad cleanup hours",
      "maxInactiveHours",
      ({ manager }) => manager.cleanupInactiveSessions({ maxInactiveHours: -1 }),
    ],
    [
      "storage message with unknown role",
      "role",
      ({ manager, session }) =>
        manager.storage.addMessage(session.sessionId, {
          messageId: "x",
          sessionId: session.sessionId,
          role: "bot" as "user",
          content: "c",
          timestamp: new Date(),
          metadata: {},
        }),
    ],
    ["null messages options", "options", ({ session }) => session.getMessages(null as never)],
    [
      "null getSession options",
      "options",
      ({ manager, session }) => manager.getSession(session.sessionId, null as never),
    ],
    [
      "null listing options",
      "options",
      ({ manager }) => manager.getUserSessions("u", null as never),
    ],
    [
      "null cleanup options",
      "options",
      ({ manager }) => manager.cleanupInactiveSessions(null as never),
    ],
    [
      "a misspelt session config key",
      "sessionConfig.nmae",
      ({ manager }) =>
        manager.createSession("u", "mock", "m", { sessionConfig: { nmae: "x" } as never }),
    ],
    [
      "a session id at the top of the object form",
      "sessionId",
      ({ manager }) =>
        manager.createSession({
          userId: "u",
          provider: "mock",
          model: "m",
          sessionId: "s",
        } as never),
    ],
    [
      "an unknown key in createSession's options",
      "options.sessionconfig",
      ({ manager }) => manager.createSession("u", "mock", "m", { sessionconfig: {} } as never),
    ],
  ];
  for (const [name, field, call] of cases) it(name, () => expectRefused(call, field));

  it("unknown session ids raise SessionNotFoundError", async () => {
    const { manager } = await setup();
    await expect(manager.getSession("nope")).rejects.toThrow(SessionNotFoundError);
    await expect(manager.archiveSession("nope")).rejects.toThrow(SessionNotFoundError);
    await expect(manager.storage.getMessages("nope")).rejects.toThrow(SessionNotFoundError);
  });
});

describe("manager options are validated before any side effect", () => {
  const bad: [string, unknown, string][] = [
    ["unknown storage", { storage: "redis" }, "storage"],
    ["unknown provider", { providers: { gemini: "key" } }, "providers.gemini"],
    [
      "negative pool size",
      { storage: "postgres", storageConfig: { poolSize: -1 } },
      "storageConfig.poolSize",
    ],
    [
      "wrong type of dbPath",
      { storage: "sqlite", storageConfig: { dbPath: 3 } },
      "storageConfig.dbPath",
    ],
    ["unknown storage option", { storageConfig: { dbpath: "x" } }, "storageConfig.dbpath"],
    [
      "another backend's option",
      { storage: "postgres", storageConfig: { dbPath: "x.db" } },
      "storageConfig.dbPath",
    ],
    [
      "busy timeout beyond what SQLite takes",
      { storage: "sqlite", storageConfig: { busyTimeoutMs: 2 ** 31 } },
      "storageConfig.busyTimeoutMs",
    ],
    [
      "bad base URL",
      { providers: { openai: { apiKey: "k", baseURL: "not a url" } } },
      "providers.openai.baseURL",
    ],
    [
      "base URL with a password (fetch refuses it)",
      { providers: { "openai-compatible": { baseURL: "http://user:pw@127.0.0.1:1/v1" } } },
      "providers.openai-compatible.baseURL",
    ],
    [
      "fallback to an unconfigured provider",
      { providers: { mock: { fallback: ["anthropic"] } } },
      "providers.mock.fallback",
    ],
    ["zero message limit", { maxMessageBytes: 0 }, "maxMessageBytes"],
    [
      "an adapter that is not one",
      { providers: { mine: { adapter: { sendTurn() {} } } } },
      "providers.mine.adapter",
    ],
    ["unknown top-level option", { stroage: "memory" }, "stroage"],
    ["a misspelt hook", { hooks: { onSessionArchive: () => {} } }, "hooks.onSessionArchive"],
    [
      "a hook that is not a function",
      { hooks: { onSessionCreated: "log" } },
      "hooks.onSessionCreated",
    ],
    [
      "a misspelt middleware step",
      { middleware: [{ outgoin: (m: unknown) => m }] },
      "middleware.0.outgoin",
    ],
    [
      "storage options with a storage object (they would be ignored)",
      { storage: memoryStorage(), storageConfig: { dbPath: "x.db" } },
      "storageConfig",
    ],
  ];
  for (const [name, options, field] of bad) {
    it(name, () => {
      const error = (() => {
        try {
          createSessionManager(options as Parameters<typeof createSessionManager>[0]);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    });
  }

  it("types storageConfig by the storage named (a misplaced key does not compile)", () => {
    const options = (): Parameters<typeof createSessionManager>[0][] => [
      { storage: "sqlite", storageConfig: { dbPath: "x.db", busyTimeoutMs: 10 } },
      { storage: "postgres", storageConfig: { connectionString: "postgres://h/db", poolSize: 2 } },
      { storageConfig: {} },
      // @ts-expect-error a SQLite option given to Postgres
      { storage: "postgres", storageConfig: { dbPath: "x.db" } },
      // @ts-expect-error a Postgres option given to SQLite
      { storage: "sqlite", storageConfig: { poolSize: 2 } },
      // @ts-expect-error memory storage takes no options
      { storage: "memory", storageConfig: { dbPath: "x.db" } },
      // @ts-expect-error a storage object was configured when it was made
      { storage: memoryStorage(), storageConfig: { dbPath: "x.db" } },
    ];
    // The checks above are the compiler's (npm run typecheck); at run time each backend refuses too.
    for (const o of options().slice(3))
      expect(() => createSessionManager(o)).toThrow(ValidationError);
  });

  it("does not mutate the caller's options and never echoes an API key", () => {
    const options = {
      storage: "memory" as const,
      providers: { openai: "sk-secret-abcdef123456", mock: null },
    };
    const copy = structuredClone(options);
    createSessionManager(options);
    expect(options).toEqual(copy);
    try {
      createSessionManager({
        providers: { openai: { apiKey: "sk-secret-abcdef123456", baseURL: "nope" } },
      });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("sk-secret");
    }
  });

  it("says which storages there are", () => {
    expect(() => createSessionManager({ storage: "redis" as "memory" })).toThrow(
      'invalid storage: must be "memory", "sqlite", "postgres" or a storage object',
    );
  });

  it("takes an unset key variable (`openai: process.env.OPENAI_API_KEY`) as no key given", async () => {
    const saved = { openai: process.env.OPENAI_API_KEY, anthropic: process.env.ANTHROPIC_API_KEY };
    delete process.env.OPENAI_API_KEY;
    process.env.ANTHROPIC_API_KEY = "";
    try {
      const unset: string | undefined = process.env.OPENAI_API_KEY;
      const manager = createSessionManager({
        providers: { mock: null, openai: unset, anthropic: process.env.ANTHROPIC_API_KEY },
      });
      // The mock still works; the first session of a provider without a key names the field.
      await (await manager.createSession("u", "mock", "m")).sendMessage("hi");
      await expect(manager.createSession("u", "anthropic", "claude")).rejects.toMatchObject({
        field: "providers.anthropic.apiKey",
      });
      await expect(manager.createSession("u", "openai", "gpt-5")).rejects.toThrow(
        /apiKey|API key/i,
      );
      await manager.close();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        const key = `${name.toUpperCase()}_API_KEY`;
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("StorageFactory.create validates its config and names", () => {
    expect(() => StorageFactory.create("sqlite", { poolSize: -2 })).toThrow(ValidationError);
    expect(() => StorageFactory.create("nope" as "memory")).toThrow(ValidationError);
    expect(StorageFactory.create("memory").name).toBe("memory");
  });

  it("an empty string option reads 'must not be empty' (what migrate --timezone '' shows)", async () => {
    expect(() => sqliteStorage({ dbPath: "" })).toThrow("invalid dbPath: must not be empty");
    const { migrateV1 } = await import("../src/migration/index.js");
    const run = migrateV1({ source: "v1.db", target: "t.db", timezone: "" });
    await expect(run).rejects.toThrow("invalid timezone: must not be empty");
  });

  it("storages made directly check their options too, before connecting", () => {
    expect(() => postgresStorage({ dbPath: "x.db" } as never)).toThrow(
      /dbPath: is not an option of postgres storage/,
    );
    expect(() => postgresStorage({ poolSize: 0 })).toThrow(ValidationError);
    expect(() => sqliteStorage({ schema: "s" } as never)).toThrow(/schema/);
    expect(() => memoryStorage({ dbPath: "x.db" } as never)).toThrow(
      /dbPath: is not an option of memory storage/,
    );
  });
});
