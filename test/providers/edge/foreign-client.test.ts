import { createRequire } from "node:module";
import OpenAIEsm from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../fake/openai-server.js";

// The CommonJS build of the same package: a real "other copy of the SDK" (dual-package hazard),
// as a CommonJS application passing `client` would hand over.
const require = createRequire(import.meta.url);
const OpenAICjs = require("openai") as typeof OpenAIEsm;

describe("openai with a client from another copy of the SDK (docs/providers.md: recognised by class names)", () => {
  let server: OpenAIFakeServer;
  let manager: SessionManager | undefined;
  beforeEach(async () => {
    server = await startOpenAIServer();
  });
  afterEach(async () => {
    await manager?.close();
    manager = undefined;
    await server.close();
  });

  it("deleteSession succeeds when the conversation is already gone ('one that is already gone is fine')", async () => {
    const client = new OpenAICjs({
      apiKey: "sk-test-0123456789abcdef",
      baseURL: server.url,
      maxRetries: 0,
    });
    manager = createSessionManager({ providers: { openai: { client } } });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    const conv = s.providerSessionId!;
    expect(conv).toMatch(/^conv_/);
    // (An ESM client passes the same steps; the CJS classes are not the adapter's.)
    expect(OpenAICjs.NotFoundError).not.toBe(OpenAIEsm.NotFoundError);
    // Gone on the provider's side (expired, or deleted from the dashboard).
    await client.conversations.delete(conv);
    await expect(manager.deleteSession(s.sessionId)).resolves.toBe(true);
    await expect(manager.getSession(s.sessionId)).rejects.toThrow(/not found/);
  });
});
