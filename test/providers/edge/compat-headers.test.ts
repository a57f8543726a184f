import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../fake/openai-server.js";

// docs/providers.md: defaultHeaders are "headers added to every request"; for openai-compatible,
// "pass credentials as `apiKey` or `defaultHeaders`" (a vLLM / LiteLLM proxy token, say).
describe("openai-compatible: credentials passed in defaultHeaders", () => {
  let server: OpenAIFakeServer;
  let manager: SessionManager;
  beforeEach(async () => {
    server = await startOpenAIServer();
  });
  afterEach(async () => {
    await manager.close();
    await server.close();
  });

  for (const name of ["Authorization", "authorization"]) {
    it(`sends a ${name} header given in defaultHeaders when no apiKey is set`, async () => {
      manager = createSessionManager({
        providers: {
          "openai-compatible": {
            baseURL: server.url,
            defaultHeaders: { [name]: "Bearer proxy-token-123456" },
          },
        },
      });
      const s = await manager.createSession("u", "openai-compatible", "llama3.2");
      await s.sendMessage("hi");
      const chat = server.requests.find((r) => r.path === "/v1/chat/completions")!;
      expect(chat.headers.authorization).toBe("Bearer proxy-token-123456");
    });
  }
});
