import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { readToEnd } from "../../helpers/replies.js";
import { json, openaiAt, responseObject, sse, startWire, type WireServer } from "./wire.js";

let server: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
});

describe("Responses: max_output_tokens hit while the model writes a function call", () => {
  it("reads finishReason length (as Chat Completions and Anthropic do), not tool_calls", async () => {
    server = await startWire((_path, body, res) => {
      // What the API returns when the limit cuts a function call's arguments.
      const call = {
        id: "fc_1",
        type: "function_call",
        status: "incomplete",
        call_id: "call_1",
        name: "lookup",
        arguments: '{"city": "Par',
      };
      json(
        res,
        200,
        responseObject(body.model, [call], {
          status: "incomplete",
          incomplete_details: { reason: "max_output_tokens" },
          max_output_tokens: 16,
        }),
      );
    });
    manager = createSessionManager({ providers: { openai: openaiAt(server) } });
    const tools = [
      { type: "function", function: { name: "lookup", parameters: { type: "object" } } },
    ];
    const s = await manager.createSession("u", "openai", "gpt-4o", {
      providerConfig: { maxTokens: 16, tools },
    });
    const reply = await s.sendMessage("weather in Paris?");
    // Today: finishReason "tool_calls", inviting the app to run a tool on '{"city": "Par'.
    expect(reply.finishReason).toBe("length");
  });

  it("streamed (response.incomplete): length too, the cut call kept as it arrived", async () => {
    const call = {
      id: "fc_1",
      type: "function_call",
      status: "incomplete",
      call_id: "call_1",
      name: "lookup",
      arguments: '{"city": "Par',
    };
    server = await startWire((_path, body, res) => {
      const started = responseObject(body.model, [], { status: "in_progress", usage: null });
      const done = responseObject(body.model, [call], {
        status: "incomplete",
        incomplete_details: { reason: "max_output_tokens" },
        max_output_tokens: 16,
      });
      sse(
        res,
        [
          { type: "response.created", response: started },
          { type: "response.incomplete", response: done },
        ],
        true,
      );
    });
    manager = createSessionManager({ providers: { openai: openaiAt(server) } });
    const s = await manager.createSession("u", "openai", "gpt-4o", {
      providerConfig: { maxTokens: 16 },
    });
    const stream = s.streamMessage("weather in Paris?");
    expect((await readToEnd(stream)).error).toBeUndefined();
    const reply = await stream.reply;
    expect(reply.finishReason).toBe("length");
    // max_output_tokens says no more than `length`: nothing is kept beside it.
    expect(reply.metadata?.providerFinishReason).toBeUndefined();
    expect(reply.toolCalls?.[0]?.function.arguments).toBe('{"city": "Par');
  });
});
