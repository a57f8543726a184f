import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../../src/manager.js";
import { readToEnd } from "../../helpers/replies.js";
import { sse, startWire, type Json, type WireServer } from "./wire.js";

let server: WireServer | undefined;
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  await server?.close();
  manager = server = undefined;
});

const chunk = (delta: Json, finish: string | null = null): Json => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
const call = (index: number, id: string | undefined, name: string, args: string): Json => ({
  tool_calls: [
    { index, ...(id ? { id, type: "function" } : {}), function: { name, arguments: args } },
  ],
});

/** The tool calls stored for a streamed reply made of `chunks`. */
async function storedCalls(chunks: Json[]) {
  server = await startWire((_path, _body, res) => sse(res, chunks, false));
  manager = createSessionManager({
    providers: { "openai-compatible": { baseURL: `${server.origin}/v1` } },
  });
  const session = await manager.createSession("u", "openai-compatible", "m");
  const stream = session.streamMessage("hi");
  await readToEnd(stream);
  const stored = await session.getMessages();
  expect(stored.at(-1)).toEqual(await stream.reply);
  return (await stream.reply).toolCalls;
}

const fn = (id: string, name: string, args: string) => ({
  id,
  type: "function",
  function: { name, arguments: args },
});

it("a function name repeated on every delta is the name, as the SDK's own reader takes it", async () => {
  const calls = await storedCalls([
    chunk({ role: "assistant", content: "" }),
    chunk(call(0, "call_1", "read_file", "")),
    chunk(call(0, undefined, "read_file", '{"path":')),
    chunk(call(0, undefined, "read_file", '"a.txt"}')),
    chunk({}, "tool_calls"),
  ]);
  expect(calls).toEqual([fn("call_1", "read_file", '{"path":"a.txt"}')]);
});

it("parallel calls sent all at index 0, each with its own id (Ollama), stay separate calls", async () => {
  const calls = await storedCalls([
    chunk({ role: "assistant", content: "" }),
    chunk(call(0, "call_a", "write_file", '{"path":"a"}')),
    chunk(call(0, "call_b", "write_file", '{"path":"b"}')),
    chunk(call(1, "call_c", "read_file", "{}")),
    chunk({}, "tool_calls"),
  ]);
  expect(calls).toEqual([
    fn("call_a", "write_file", '{"path":"a"}'),
    fn("call_b", "write_file", '{"path":"b"}'),
    fn("call_c", "read_file", "{}"),
  ]);
});
