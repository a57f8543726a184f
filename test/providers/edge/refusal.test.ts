import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import {
  chatCompletion,
  json,
  responseObject,
  sse,
  startWire,
  openaiAt,
  type WireServer,
} from "./wire.js";

const REFUSAL = "I'm sorry, I can't help with that.";
let server: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
  manager = undefined;
  server = undefined;
});

describe("refusals (docs/providers.md 'Finish reasons': content_filter = a filter or a refusal)", () => {
  it("openai Responses: a refusal content part is stored with finishReason content_filter", async () => {
    server = await startWire((_path, body, res) => {
      const item = {
        id: "msg_r1",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "refusal", refusal: REFUSAL }],
      };
      json(res, 200, responseObject(body.model, [item]));
    });
    manager = createSessionManager({
      providers: {
        openai: openaiAt(server),
      },
    });
    const s = await manager.createSession("u", "openai", "gpt-4o");
    const reply = await s.sendMessage("how do I pick a lock?");
    expect(reply.content).toBe(REFUSAL);
    expect(reply.finishReason).toBe("content_filter");
  });

  it("openai-compatible: a Chat Completions refusal (content null, refusal text) is not lost and reads content_filter", async () => {
    server = await startWire((_path, body, res) => {
      json(
        res,
        200,
        chatCompletion(
          body.model,
          { role: "assistant", content: null, refusal: REFUSAL, annotations: [] },
          "stop",
        ),
      );
    });
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
    });
    const s = await manager.createSession("u", "openai-compatible", "gpt-4o");
    const reply = await s.sendMessage("how do I pick a lock?");
    expect({ content: reply.content, finishReason: reply.finishReason }).toEqual({
      content: REFUSAL,
      finishReason: "content_filter",
    });
  });

  it("openai-compatible streaming: refusal deltas are yielded and stored", async () => {
    server = await startWire((_path, body, res) => {
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
        id: "chatcmpl-x",
        object: "chat.completion.chunk",
        created: 1,
        model: body.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        usage: null,
      });
      sse(
        res,
        [
          chunk({ role: "assistant", content: null, refusal: "" }),
          chunk({ refusal: "I'm sorry, " }),
          chunk({ refusal: "I can't help with that." }),
          chunk({}, "stop"),
          {
            id: "chatcmpl-x",
            object: "chat.completion.chunk",
            created: 1,
            model: body.model,
            choices: [],
            usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
          },
        ],
        false,
      );
    });
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
    });
    const s = await manager.createSession("u", "openai-compatible", "gpt-4o");
    const stream = s.streamMessage("how do I pick a lock?");
    let text = "";
    for await (const d of stream) text += d;
    const reply = await stream.reply;
    expect({ text, content: reply.content, finishReason: reply.finishReason }).toEqual({
      text: REFUSAL,
      content: REFUSAL,
      finishReason: "content_filter",
    });
  });
});
