import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { readToEnd } from "../../helpers/replies.js";
import { chatCompletion, json, sse, startWire, type WireServer } from "./wire.js";

let server: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
});

/**
 * An OpenAI-compatible server that predates `stream_options` (Azure OpenAI before api-version
 * 2024-09-01-preview and gateways in front of it, e.g. Pythagora-io/gpt-pilot#1022) answers it with
 * 400 "Unrecognized request argument supplied: stream_options". Plain streaming works there.
 */
async function oldServer(): Promise<WireServer> {
  return startWire((_path, body, res) => {
    if (body.stream_options !== undefined) {
      return json(res, 400, {
        error: {
          message: "Unrecognized request argument supplied: stream_options",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
    }
    if (!body.stream) {
      return json(
        res,
        200,
        chatCompletion(body.model, { role: "assistant", content: "Hello there" }, "stop"),
      );
    }
    const base = {
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: body.model,
    };
    sse(
      res,
      [
        {
          ...base,
          choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
        },
        { ...base, choices: [{ index: 0, delta: { content: "Hello " }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { content: "there" }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      ],
      false,
    );
  });
}

describe("openai-compatible: a server that refuses stream_options", () => {
  it("sendMessage works, and so should streamMessage (retry without stream_options, usage unknown)", async () => {
    server = await oldServer();
    manager = createSessionManager({
      providers: {
        "openai-compatible": { baseURL: `${server.origin}/v1`, apiKey: "k-0123456789" },
      },
    });
    const s = await manager.createSession("u", "openai-compatible", "gpt-4o");
    expect((await s.sendMessage("hi")).content).toBe("Hello there");
    let text = "";
    const error = await (async () => {
      for await (const d of s.streamMessage("again")) text += d;
    })().catch((e: unknown) => e);
    expect(error).toBeUndefined();
    expect(text).toBe("Hello there");
  });

  it("is asked once per adapter: later streams leave stream_options out; usage reads unknown", async () => {
    server = await oldServer();
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
      pricing: { "gpt-4o": { input: 1, output: 1 } },
    });
    const s = await manager.createSession("u", "openai-compatible", "gpt-4o");
    const first = s.streamMessage("one");
    expect((await readToEnd(first)).error).toBeUndefined();
    expect(server.requests.map((r) => r.body?.stream_options !== undefined)).toEqual([true, false]);
    expect((await readToEnd(s.streamMessage("two"))).error).toBeUndefined();
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.body).not.toHaveProperty("stream_options");
    const metrics = await s.getMetrics();
    expect(metrics).toMatchObject({ unpricedTurns: 2, costUsd: null });
  });

  it("another 400 is not taken for it: the stream fails, with no second request", async () => {
    server = await startWire((_path, _body, res) =>
      json(res, 400, {
        error: { message: "Invalid value for 'temperature'", type: "invalid_request_error" },
      }),
    );
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
    });
    const s = await manager.createSession("u", "openai-compatible", "gpt-4o");
    const { error } = await readToEnd(s.streamMessage("hi"));
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(server.requests).toHaveLength(1);
  });
});
