/** Tiny 127.0.0.1 servers for wire replies the project's fakes cannot produce (refusals, …). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { listen, readBody } from "../fake/http.js";

export type Json = Record<string, unknown>;
export interface WireServer {
  origin: string;
  requests: { method: string; path: string; body: Json | null }[];
  close(): Promise<void>;
}

export async function startWire(
  handle: (
    path: string,
    body: Json,
    res: ServerResponse,
    req: IncomingMessage,
  ) => void | Promise<void>,
): Promise<WireServer> {
  const requests: WireServer["requests"] = [];
  const server = await listen(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const raw = await readBody(req);
    const body = raw ? (JSON.parse(raw) as Json) : null;
    requests.push({ method: req.method ?? "GET", path, body });
    await handle(path, body ?? {}, res, req);
  });
  return { origin: server.origin, requests, close: server.close };
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function sse(res: ServerResponse, events: Json[], named: boolean, done = !named) {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  for (const [i, e] of events.entries()) {
    res.write(
      named
        ? `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`
        : `data: ${JSON.stringify(e)}\n\n`,
    );
  }
  if (done) res.write("data: [DONE]\n\n");
  res.end();
}

export function responseObject(model: unknown, output: Json[], extra: Json = {}): Json {
  return {
    id: "resp_test1",
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "completed",
    completed_at: Math.floor(Date.now() / 1000),
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    metadata: {},
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    conversation: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    },
    user: null,
    service_tier: "default",
    ...extra,
  };
}

export function chatCompletion(model: unknown, message: Json, finish: string): Json {
  return {
    id: "chatcmpl-test1",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    system_fingerprint: "fp",
  };
}

/** The `openai` provider's options for a wire server: client-side history, so only it is called. */
export function openaiAt(server: WireServer) {
  return { apiKey: "sk-test-0123456789abcdef", baseURL: `${server.origin}/v1`, nativeState: false };
}
