import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { readToEnd } from "../../helpers/replies.js";
import { chatCompletion, json, sse, startWire, type Json, type WireServer } from "./wire.js";

let server: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
});

describe("openai-compatible: a server that sends tool calls without an id", () => {
  for (const [label, idField] of [
    ["no id field", {}],
    ['id ""', { id: "" }],
  ] as const) {
    it(`${label}: the call gets an id and can still be answered`, async () => {
      let n = 0;
      server = await startWire((_path, body, res) => {
        n++;
        if (n === 1) {
          json(
            res,
            200,
            chatCompletion(
              body.model,
              {
                role: "assistant",
                content: null,
                tool_calls: [
                  {
                    ...idField,
                    type: "function",
                    function: { name: "lookup", arguments: '{"q":"x"}' },
                  },
                ],
              },
              "tool_calls",
            ),
          );
        } else {
          json(
            res,
            200,
            chatCompletion(body.model, { role: "assistant", content: "done" }, "stop"),
          );
        }
      });
      manager = createSessionManager({
        providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
      });
      const tools = [
        { type: "function", function: { name: "lookup", parameters: { type: "object" } } },
      ];
      const s = await manager.createSession("u", "openai-compatible", "llama3.2", {
        providerConfig: { tools },
      });
      const first = await s.sendMessage("look it up").catch((e: unknown) => e);
      const calls = (first as { toolCalls?: { id: string }[] }).toolCalls;
      expect(calls?.[0]?.id).toEqual(expect.any(String));
      expect(calls![0]!.id.length).toBeGreaterThan(0);
      const second = await s.sendMessage("result", { role: "tool", toolCallId: calls![0]!.id });
      expect(second.content).toBe("done");
    });
  }

  it("streamed: each call gets its own id, and the next request sends the stored ids", async () => {
    const chunk = (delta: Json, finish: string | null = null): Json => ({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    // llama.cpp / LM Studio style: no id on the first delta of either call, or an empty one.
    const call = (index: number, extra: Json, args: string): Json => ({
      tool_calls: [{ index, ...extra, function: { name: "lookup", arguments: args } }],
    });
    server = await startWire((_path, body, res) => {
      if (server!.requests.length > 1) {
        return json(
          res,
          200,
          chatCompletion(body.model, { role: "assistant", content: "done" }, "stop"),
        );
      }
      sse(
        res,
        [
          chunk({ role: "assistant", content: "" }),
          chunk(call(0, { type: "function" }, '{"q":')),
          chunk(call(0, {}, '"a"}')),
          chunk(call(1, { id: "", type: "function" }, '{"q":"b"}')),
          chunk({}, "tool_calls"),
        ],
        false,
      );
    });
    manager = createSessionManager({
      providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
    });
    const tools = [
      { type: "function", function: { name: "lookup", parameters: { type: "object" } } },
    ];
    const s = await manager.createSession("u", "openai-compatible", "llama3.2", {
      providerConfig: { tools },
    });
    const stream = s.streamMessage("look both up");
    expect((await readToEnd(stream)).error).toBeUndefined();
    const calls = (await stream.reply).toolCalls!;
    expect(calls.map((c) => c.function.arguments)).toEqual(['{"q":"a"}', '{"q":"b"}']);
    const [a, b] = calls.map((c) => c.id);
    expect(a).toMatch(/^call_\w+$/);
    expect(b).toMatch(/^call_\w+$/);
    expect(a).not.toBe(b);
    expect((await s.getMessages()).at(-1)?.toolCalls).toEqual(calls);
    await s.sendMessage("A", { role: "tool", toolCallId: a! });
    expect((await s.sendMessage("B", { role: "tool", toolCallId: b! })).content).toBe("done");
    const sent = server.requests.at(-1)!.body!.messages as Json[];
    expect(
      sent.flatMap((m) => (m.tool_calls as Json[] | undefined) ?? []).map((c) => c.id),
    ).toEqual([a, b]);
    expect(sent.filter((m) => m.role === "tool").map((m) => m.tool_call_id)).toEqual([a, b]);
  });
});
