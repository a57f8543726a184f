/**
 * A key put in a session's `providerConfig` would be stored with the session in plain text and
 * shown back (`session.providerConfig`, `sessions show --json`): it is refused, naming the field
 * and not quoting the value, and nothing is stored. Keys go in the manager's provider options.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createSessionManager,
  memoryStorage,
  ValidationError,
  type SessionManager,
} from "../../src/index.js";

const KEY = "sk-proj-storedInConfig0123456789abcdef";
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

async function refusal(call: () => Promise<unknown>): Promise<ValidationError> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect(JSON.stringify(error)).not.toContain(KEY);
  return error as ValidationError;
}

describe("credentials in providerConfig", () => {
  it("createSession refuses one at any depth, names where it is, and stores nothing", async () => {
    const storage = memoryStorage();
    manager = createSessionManager({ storage });
    const m = manager;
    for (const [config, field] of [
      [{ apiKey: KEY, temperature: 0.2 }, "providerConfig.apiKey"],
      [{ api_key: KEY }, "providerConfig.api_key"],
      [{ headers: { Authorization: `Bearer ${KEY}` } }, "providerConfig.headers.Authorization"],
      [{ extra: [{ "x-api-key": KEY }] }, "providerConfig.extra[0].x-api-key"],
      [{ access_token: KEY }, "providerConfig.access_token"],
      [{ api_token: KEY }, "providerConfig.api_token"],
      [{ apiKey: [KEY] }, "providerConfig.apiKey"],
      [{ headers: { Authorization: [[`Bearer ${KEY}`]] } }, "providerConfig.headers.Authorization"],
    ] as const) {
      const error = await refusal(() =>
        m.createSession("u1", "mock", "mock-model", { providerConfig: config }),
      );
      expect(error.field).toBe(field);
      expect(error.reason).toMatch(/must not hold a credential/);
    }
    expect((await storage.listSessions({ limit: 10 })).sessions).toEqual([]);
  });

  it("settings whose names only contain such words are kept", async () => {
    manager = createSessionManager();
    const config = { maxTokens: 10, max_tokens: 10, tokenizer: "x", keyword: "k" };
    const s = await manager.createSession("u1", "mock", "mock-model", { providerConfig: config });
    expect(s.providerConfig).toEqual(config);
  });

  it("switchProvider refuses one too, and the session keeps its provider", async () => {
    manager = createSessionManager();
    const s = await manager.createSession("u1", "mock", "mock-model");
    const error = await refusal(() => s.switchProvider("mock", "other", { apiKey: KEY }));
    expect(error.field).toBe("providerConfig.apiKey");
    expect((await s.refresh()).model).toBe("mock-model");
  });

  it("a tool whose parameters are named like credentials is kept: a schema holds no secret", async () => {
    manager = createSessionManager();
    for (const prop of ["password", "token", "api_key", "refresh_token", "secret"]) {
      const parameters = { type: "object", properties: { [prop]: { type: "string" } } };
      const config = { tools: [{ type: "function", function: { name: "call", parameters } }] };
      const s = await manager.createSession("u", "mock", "mock-model", { providerConfig: config });
      expect(s.providerConfig).toEqual(config);
    }
  });
});
