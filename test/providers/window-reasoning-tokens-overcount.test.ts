/**
 * The history window counts a stored reply by its `tokenCount`, which is the reply's billed output
 * tokens. For a reasoning model (gpt-5*, o3, o4-mini: all supported by the `openai` adapter, with
 * `nativeState: false` a client-history path) the output tokens are mostly reasoning tokens that
 * are never sent back: only the reply's text is. So a window of 10,000 tokens keeps 3 replies of
 * "ok N" (each counted as 3,000 tokens) and drops messages totalling a few dozen bytes.
 */
import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";

let manager: SessionManager | undefined;
let server: OpenAIFakeServer | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
  manager = server = undefined;
});

it("a reasoning model's hidden reasoning tokens do not crowd short replies out of the window", async () => {
  server = await startOpenAIServer();
  manager = createSessionManager({
    providers: {
      openai: {
        apiKey: "sk-test-openai-0123456789abcdef",
        baseURL: server.url,
        nativeState: false,
      },
    },
  });
  const s = await manager.createSession("u", "openai", "gpt-5-mini", {
    providerConfig: { maxHistoryTokens: 10_000 },
  });
  for (let i = 0; i < 6; i++) {
    // A short answer after ~3,000 reasoning tokens: usage.output_tokens = 3000.
    server.enqueue({ kind: "reply", text: `ok ${i}`, usage: { output: 3000 } });
    await s.sendMessage(`q${i}`);
  }
  const last = server.requests.filter((r) => r.path.endsWith("/responses")).at(-1)!;
  const input = (last.body as { input: { content: unknown }[] }).input;
  // The whole history is ~40 bytes of text, far below 10,000 tokens: all of it fits.
  // Today: only q2..q5 with ok 2..ok 4 are sent (7 items); q0, ok 0, q1, ok 1 are dropped.
  expect(input).toHaveLength(11);
});
