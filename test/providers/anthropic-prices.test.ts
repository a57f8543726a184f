import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { json, startWire, type WireServer } from "./edge/wire.js";
import { startAnthropicServer, type AnthropicFakeServer } from "./fake/anthropic-server.js";

// docs/providers.md, Anthropic prices: 1-hour cache writes cost 2x input (5-minute ones 1.25x),
// and Haiku 5.5 bills a prompt over 100k tokens at five times its rates. Every cache write was
// priced at the 5-minute rate, and Haiku 5.5 at one flat price.
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";

let wire: WireServer | undefined;
let anthropic: AnthropicFakeServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await wire?.close();
  await anthropic?.close();
  manager = wire = anthropic = undefined;
});

/** A Messages API answering every call with this cache-write split (input otherwise 0). */
async function writing(fiveMinutes: number, oneHour: number) {
  wire = await startWire((_path, body, res) =>
    json(res, 200, {
      id: "msg_01test",
      type: "message",
      role: "assistant",
      model: body.model,
      content: [{ type: "text", text: "ok", citations: null }],
      stop_reason: "end_turn",
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: fiveMinutes + oneHour,
        cache_read_input_tokens: 0,
        cache_creation: {
          ephemeral_5m_input_tokens: fiveMinutes,
          ephemeral_1h_input_tokens: oneHour,
        },
        server_tool_use: null,
        service_tier: "standard",
      },
    }),
  );
  manager = createSessionManager({
    providers: { anthropic: { apiKey: ANTHROPIC_KEY, baseURL: wire.origin } },
  });
  return manager.createSession("u", "anthropic", "claude-sonnet-4-5"); // $3 input, $3.75 writes
}

describe("anthropic cache writes", () => {
  it("are priced at 2x input when written for 1 hour", async () => {
    const s = await writing(0, 1_000_000);
    await s.sendMessage("x");
    const m = await s.getMetrics();
    expect({ written: m.cacheCreationTokens, input: m.inputTokens }).toEqual({
      written: 1_000_000,
      input: 1_000_000,
    });
    expect(m.costUsd).toBeCloseTo(6, 9); // the 5-minute rate would make it 3.75
  });

  it("are priced each at its own rate when a turn writes both", async () => {
    const s = await writing(600_000, 400_000);
    await s.sendMessage("x");
    expect((await s.getMetrics()).costUsd).toBeCloseTo(0.6 * 3.75 + 0.4 * 6, 9);
  });
});

describe("claude-haiku-5-5", () => {
  it("bills a prompt over 100k tokens at five times the base rates", async () => {
    anthropic = await startAnthropicServer();
    manager = createSessionManager({
      providers: { anthropic: { apiKey: ANTHROPIC_KEY, baseURL: anthropic.url } },
    });
    const s = await manager.createSession("u", "anthropic", "claude-haiku-5-5");
    anthropic.enqueue({ kind: "reply", text: "short", usage: { input: 100_000, output: 0 } });
    await s.sendMessage("a short prompt");
    expect((await s.getMetrics()).costUsd).toBeCloseTo(0.01, 12); // $0.10 per million
    anthropic.enqueue({ kind: "reply", text: "long", usage: { input: 150_000, output: 1_000 } });
    await s.sendMessage("a long prompt");
    // 150k x $0.50/M + 1k x $2.50/M on top of the first turn.
    expect((await s.getMetrics()).costUsd).toBeCloseTo(0.01 + 0.075 + 0.0025, 12);
  });
});
