/**
 * docs/providers.md (Streaming): "A stream cut after output began (text, or a tool call or
 * reasoning the model had started) spent output tokens nobody counted ... counts in
 * unpricedTurns, never as a known cost." The new `output` event is yielded by the
 * openai-compatible adapter only for `tool_calls` deltas. Reasoning models served through Chat
 * Completions (DeepSeek, vLLM/SGLang reasoning parsers, OpenRouter, Ollama) stream their
 * reasoning as `delta.reasoning_content` / `delta.reasoning` long before any text; a stream cut
 * there (no usage chunk yet) is stored as a KNOWN $0 turn.
 */
import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { readToEnd } from "../helpers/replies.js";
import { sse, startWire, type Json, type WireServer } from "./edge/wire.js";

let wire: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await wire?.close();
  manager = wire = undefined;
});

const chunk = (delta: Json): Json => ({
  ...{ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" },
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
});

for (const field of ["reasoning_content", "reasoning"]) {
  it(`chat completions: a cut after ${field} deltas began is unpriced, not a known $0`, async () => {
    wire = await startWire((_path, _body, res) =>
      sse(
        res,
        [
          chunk({ role: "assistant", content: "" }),
          chunk({ content: null, [field]: "Let me think about the weather in Paris" }),
          chunk({ content: null, [field]: " step by step, at great length..." }),
        ],
        false,
        false, // cut: no finish_reason, no usage chunk, no [DONE]
      ),
    );
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${wire.origin}/v1`, maxRetries: 0 } },
      pricing: { m: { input: 1, output: 1 } },
    });
    const s = await manager.createSession("u", "openai-compatible", "m");
    const { error } = await readToEnd(s.streamMessage("weather in Paris?"));
    expect(error).toBeDefined();
    const m = await s.getMetrics();
    expect({ costUsd: m.costUsd, unpricedTurns: m.unpricedTurns }).toEqual({
      costUsd: null,
      unpricedTurns: 1,
    });
  });
}
