/**
 * Anthropic's message_start carries a placeholder output_tokens (the fake sends 1, the real API
 * 1-ish). docs/providers.md (Streaming): a Claude stream cut without message_delta "keeps whatever
 * input tokens were reported ... and counts in unpricedTurns": its output is unknown. The cost is
 * null as documented, but the placeholder is stored as the partial reply's tokenCount and added
 * to the session's outputTokens/totalTokens as if the model had produced exactly that many.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../src/index.js";
import {
  startAnthropicServer,
  type AnthropicFakeServer,
} from "./providers/fake/anthropic-server.js";
import { readToEnd } from "./helpers/replies.js";

let fake: AnthropicFakeServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await fake?.close();
  manager = fake = undefined;
});

describe("anthropic: a stream cut after text, before message_delta", () => {
  for (const how of ["drop", "error event"] as const) {
    it(`(${how}) does not count message_start's placeholder output as output tokens`, async () => {
      fake = await startAnthropicServer();
      if (how === "drop") fake.enqueue({ kind: "drop", afterChunks: 3 });
      else fake.enqueueStreamError(3);
      manager = createSessionManager({
        providers: {
          anthropic: {
            apiKey: "sk-ant-api03-test-0123456789abcdef",
            baseURL: fake.url,
            maxRetries: 0,
          },
        },
      });
      const s = await manager.createSession("u", "anthropic", "claude-haiku-4-5");
      const { read, error } = await readToEnd(s.streamMessage("hello there my good friend"));
      expect(error).toBeDefined();
      expect(read.length).toBeGreaterThan(0);
      const [, partial] = await s.getMessages();
      expect(partial).toMatchObject({ content: read, finishReason: "error" });
      const m = await s.getMetrics();
      expect(m.costUsd).toBeNull(); // holds today
      expect(m.inputTokens).toBeGreaterThan(0); // holds today
      // Today: outputTokens 1 and tokenCount 1, the placeholder.
      expect(m.outputTokens).toBe(0);
      expect(partial!.tokenCount ?? 0).toBe(0);
    });
  }
});
