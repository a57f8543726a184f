import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { anthropicProvider } from "../../src/providers/anthropic.js";
import type { ProviderStreamEvent } from "../../src/providers/types.js";
import { readToEnd } from "../helpers/replies.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";

// message_start carries the input usage and a placeholder output_tokens (the fake sends 1); the
// real output count comes with message_delta. A stream cut after text but before message_delta
// was priced with the placeholder as if it were the count. Its output is unknown: the turn is
// unpriced (as an OpenAI stream cut before its usage), its billed input still counted.
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";

let anthropic: AnthropicFakeServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await anthropic?.close();
  manager = anthropic = undefined;
});

async function session() {
  anthropic = await startAnthropicServer();
  manager = createSessionManager({
    providers: { anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropic.url } },
  });
  return manager.createSession("u", "anthropic", "claude-sonnet-5-5");
}

const priced = async (s: Awaited<ReturnType<typeof session>>) => {
  const m = await s.getMetrics();
  return { input: m.inputTokens > 0, costUsd: m.costUsd, unpricedTurns: m.unpricedTurns };
};

describe("an anthropic stream cut after text, before message_delta", () => {
  it("is stored unpriced with its input tokens when the connection drops", async () => {
    const s = await session();
    anthropic!.enqueue({ kind: "drop", afterChunks: 4 });
    const { read, error } = await readToEnd(s.streamMessage("hello there my friend, how are you"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(read.length).toBeGreaterThan(15);
    expect(await priced(s)).toEqual({ input: true, costUsd: null, unpricedTurns: 1 });
  });

  it("is stored unpriced with its input tokens when the reader breaks off", async () => {
    const s = await session();
    let n = 0;
    const stream = s.streamMessage("a long question with many words in it please");
    for await (const delta of stream) {
      expect(delta).toBeTruthy();
      if (++n === 3) break;
    }
    expect((await stream.reply).finishReason).toBe("aborted");
    expect(await priced(s)).toEqual({ input: true, costUsd: null, unpricedTurns: 1 });
  });

  it("is priced once message_delta gave the count (a whole reply)", async () => {
    const s = await session();
    await readToEnd(s.streamMessage("hello"));
    expect(await priced(s)).toMatchObject({ input: true, unpricedTurns: 0 });
  });
});

describe("the adapter's usage events", () => {
  it("mark message_start's output count as pending, message_delta's as final", async () => {
    anthropic = await startAnthropicServer();
    const adapter = await anthropicProvider({ apiKey: ANTHROPIC_KEY, baseURL: anthropic.url });
    const session = {
      sessionId: "s",
      userId: "u",
      model: "claude-sonnet-5-5",
      providerSessionId: null,
      providerConfig: {},
      metadata: {},
    };
    const input = { messageId: "m1", sessionId: "s", role: "user" as const, content: "hi" };
    const seen: ProviderStreamEvent[] = [];
    const turn = {
      session,
      history: [],
      input: [{ ...input, timestamp: new Date(0), metadata: {} }],
    };
    for await (const e of adapter.streamTurn(turn)) if (e.type === "usage") seen.push(e);
    expect(seen.map((e) => e.type === "usage" && e.outputPending === true)).toEqual([true, false]);
  });
});
