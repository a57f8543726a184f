/**
 * `requestOptions` (src/providers/openai-retry.ts, formerly openai-shared.ts) added the private
 * header `x-langswarm-timeout-ms` to every request of a session with `providerConfig.timeout`; only the
 * fetch wrapper the adapter builds (`boundedRetryFetch`) takes it off. With a ready `client`
 * (documented option) there is no wrapper, so the header goes out to the server (a proxy, a
 * gateway, OpenAI itself): the commit says it "is not sent".
 */
import OpenAI from "openai";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../providers/fake/openai-server.js";

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

for (const provider of ["openai-compatible", "openai"] as const) {
  it(`${provider} with a user-provided client does not send x-langswarm-timeout-ms`, async () => {
    const client = new OpenAI({ apiKey: "sk-proj-clientKey0123456789", baseURL: server.url });
    manager = createSessionManager({
      providers: {
        [provider]:
          provider === "openai" ? { client, nativeState: false } : { client, baseURL: server.url },
      },
    });
    const session = await manager.createSession("u1", provider, "gpt-4o-mini", {
      providerConfig: { timeout: 20 },
    });
    await session.sendMessage("hi");
    const modelCalls = server.requests.filter((r) => /responses|chat\/completions/.test(r.path));
    expect(modelCalls.length).toBeGreaterThan(0);
    for (const r of modelCalls) {
      expect(Object.keys(r.headers), "headers sent to the server").not.toContain(
        "x-langswarm-timeout-ms",
      );
    }
  });
}

it("control: without a client the header is taken off", async () => {
  manager = createSessionManager({
    providers: { "openai-compatible": { baseURL: server.url } },
  });
  const session = await manager.createSession("u1", "openai-compatible", "m", {
    providerConfig: { timeout: 20 },
  });
  await session.sendMessage("hi");
  const calls = server.requests.filter((r) => /chat\/completions/.test(r.path));
  for (const r of calls) expect(Object.keys(r.headers)).not.toContain("x-langswarm-timeout-ms");
});
