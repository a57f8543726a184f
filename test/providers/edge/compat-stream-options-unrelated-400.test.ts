import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/index.js";
import { readToEnd } from "../../helpers/replies.js";
import { json, sse, startWire, type Json, type WireServer } from "./wire.js";

let server: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
});

/**
 * A server that SUPPORTS stream_options (usage chunk at the end), but whose 400 for a too-long
 * message echoes the request's parameters (as gateways do), so its text names `stream_options`.
 * The adapter takes that 400 for "stream_options unknown", resends without it (the same 400
 * again: the field was never the cause), and still turns stream_options off for the adapter for
 * good: every later stream of every session on the manager is unpriced.
 */
async function gateway(): Promise<WireServer> {
  return startWire((_path, body, res) => {
    const messages = body.messages as Json[];
    const last = String(messages.at(-1)?.content ?? "");
    if (last.length > 1000) {
      return json(res, 400, {
        error: {
          message:
            `Invalid 'messages[${messages.length - 1}].content': string too long. ` +
            `Request parameters: ${Object.keys(body).join(", ")}${body.stream_options ? " (stream_options)" : ""}`,
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
    }
    const base = {
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: body.model,
    };
    const chunks: Json[] = [
      {
        ...base,
        choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }],
      },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    ];
    if (body.stream_options) {
      chunks.push({
        ...base,
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      });
    }
    sse(res, chunks, false);
  });
}

it("one session's unrelated 400 does not turn off usage reporting for every later stream", async () => {
  server = await gateway();
  manager = createSessionManager({
    providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
    pricing: { "m-1": { input: 1, output: 1 } },
  });
  const a = await manager.createSession("u1", "openai-compatible", "m-1");
  const failed = await readToEnd(a.streamMessage("x".repeat(2000)));
  expect(failed.error).toMatchObject({ status: 400 });

  // Another session, a normal message, on a server that does report usage.
  const b = await manager.createSession("u2", "openai-compatible", "m-1");
  const ok = await readToEnd(b.streamMessage("hello"));
  expect(ok.error).toBeUndefined();
  expect(server.requests.at(-1)!.body!.stream_options).toEqual({ include_usage: true });
  const metrics = await b.getMetrics();
  expect(metrics.costUsd).not.toBeNull();
  expect(metrics.inputTokens).toBe(10);
});
