import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startOpenAIServer } from "./fake/openai-server.js";
import type { FakeServer } from "./fake/types.js";

/**
 * boundedRetryFetch reads the request's timeout from `X-Stainless-Timeout`, which the SDK sends as
 * whole seconds (Math.trunc(ms / 1000)). A session timeout under a second is sent as "0", read as
 * "no timeout given", and the 10-minute default is used instead: a retry-after 8x longer than
 * the session's timeout is slept out, though the docs say such an answer is raised at once.
 */
let server: FakeServer;
let manager: SessionManager;
afterEach(async () => {
  await manager?.close();
  await server?.close();
});

for (const provider of ["openai", "openai-compatible"] as const) {
  it(`${provider}: providerConfig.timeout 0.5 s bounds a 4 s retry-after (raised at once)`, async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { [provider]: { apiKey: "sk-test-0123456789abcdef", baseURL: server.url } },
    });
    const session = await manager.createSession("u", provider, "gpt-4o-mini", {
      providerConfig: { timeout: 0.5 },
    });
    server.enqueue({ kind: "error", status: 429, headers: { "retry-after": "4" } });
    const t0 = Date.now();
    const outcome = await session.sendMessage("hi").catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(outcome).toMatchObject({ status: 429, retryable: true });
    expect(took).toBeLessThan(2000);
  });
}
