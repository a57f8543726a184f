/**
 * A fake Anthropic Messages API on 127.0.0.1 speaking the real wire format: JSON messages, the
 * SSE event sequence, error bodies with `request-id` / `retry-after` headers, and the same 400s
 * as the API version the SDK sends (see `anthropic-checks.ts`), for tests through the real SDK.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { listen, readBody, sleep } from "./http.js";
import { checkRequest, lastUserText } from "./anthropic-checks.js";
import type { FakeServer, FakeStep, RecordedRequest } from "./types.js";

type Json = Record<string, unknown>;
type Reply = Extract<FakeStep, { kind: "reply" }>;
/** Streams this many text deltas, then an in-band `error` event (the HTTP status stays 200). */
interface StreamErrorStep {
  kind: "stream-error";
  afterChunks: number;
  errorType: string;
}

/** The fake's extra: failures only the Messages API has. */
export interface AnthropicFakeServer extends FakeServer {
  enqueueStreamError(afterChunks: number, errorType?: string): void;
}

const STREAM_GAP_MS = 3;
const CHUNK_CHARS = 5;
const ERROR_TYPES: Record<number, [type: string, message: string]> = {
  400: ["invalid_request_error", "invalid request"],
  401: ["authentication_error", "invalid x-api-key"],
  402: ["billing_error", "Your credit balance is too low to access the Anthropic API."],
  403: ["permission_error", "Your API key does not have permission to use the specified resource."],
  404: ["not_found_error", "Not found"],
  413: ["request_too_large", "Request exceeds the maximum allowed number of bytes."],
  429: ["rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"],
  500: ["api_error", "Internal server error"],
  504: ["timeout_error", "Request timed out"],
  529: ["overloaded_error", "Overloaded"],
};
const ERROR_MESSAGES = Object.fromEntries(Object.values(ERROR_TYPES));

/** Starts the fake on an ephemeral port; `url` is the host root, as the SDK's `baseURL` is. */
export async function startAnthropicServer(): Promise<AnthropicFakeServer> {
  const fake = new Fake();
  const server = await listen((req, res) => fake.handle(req, res));
  return {
    url: server.origin,
    requests: fake.requests,
    enqueue: (...steps) => fake.steps.push(...steps),
    enqueueStreamError: (afterChunks, errorType = "overloaded_error") =>
      fake.steps.push({ kind: "stream-error", afterChunks, errorType }),
    close: server.close,
  };
}

class Fake {
  readonly requests: RecordedRequest[] = [];
  readonly steps: (FakeStep | StreamErrorStep)[] = [];

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const raw = await readBody(req);
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      this.requests.push({ method: req.method ?? "", path, headers: req.headers, body: raw });
      return sendError(res, 400, "There was an issue with the JSON body of your request.");
    }
    this.requests.push({ method: req.method ?? "", path, headers: req.headers, body });
    if (req.method !== "POST" || path !== "/v1/messages")
      return sendError(res, 404, `Not found: ${path}`);
    if (!req.headers["x-api-key"] && !req.headers.authorization) {
      return sendError(res, 401, "x-api-key header is required");
    }
    const version = req.headers["anthropic-version"];
    if (typeof version !== "string")
      return sendError(res, 400, "anthropic-version: header is required");
    const problem = checkRequest(body, version);
    if (problem) return sendError(res, 400, problem);
    await this.#respond(res, body as Json);
  }

  async #respond(res: ServerResponse, body: Json): Promise<void> {
    const step = this.steps.shift() ?? { kind: "reply" };
    const stream = body.stream === true;
    switch (step.kind) {
      case "error":
        return sendError(res, step.status, step.message, step.headers);
      case "hang":
        return; // the socket stays open until the client gives up or the server closes
      case "drop":
        if (!stream) return void res.socket?.destroy();
        await writeSse(res, firstDeltas(body, step.afterChunks));
        await sleep(STREAM_GAP_MS * 3);
        return void res.socket?.destroy();
      case "stream-error": {
        const error = { type: step.errorType, message: ERROR_MESSAGES[step.errorType] ?? "error" };
        await writeSse(res, [...firstDeltas(body, step.afterChunks), { type: "error", error }]);
        return void res.end();
      }
      case "reply":
        if (step.delayMs) await sleep(step.delayMs);
        if (res.destroyed) return;
        if (stream) {
          await writeSse(res, streamEvents(body, step));
          return void res.end();
        }
        return sendJson(res, 200, message(body, step));
    }
  }
}

/** A complete `message` object, as a non-streaming call returns it. */
function message(body: Json, step: Reply): Json {
  const text = replyText(body, step);
  const content: Json[] = text ? [{ type: "text", text, citations: null }] : [];
  for (const call of step.toolCalls ?? []) {
    content.push({
      type: "tool_use",
      id: call.id,
      name: call.name,
      input: JSON.parse(call.arguments) as unknown,
      caller: { type: "direct" },
    });
  }
  return {
    id: newId("msg_01"),
    type: "message",
    role: "assistant",
    model: body.model,
    content,
    stop_reason: step.toolCalls?.length ? "tool_use" : "end_turn",
    stop_sequence: null,
    stop_details: null,
    container: null,
    usage: usage(body, text, step),
  };
}

/** The SSE event sequence of a streamed reply. */
function streamEvents(body: Json, step: Reply): Json[] {
  const full = message(body, step);
  const { usage: u, content } = full as { usage: Json; content: Json[] };
  const events: Json[] = [
    {
      type: "message_start",
      message: { ...full, content: [], stop_reason: null, usage: { ...u, output_tokens: 1 } },
    },
  ];
  for (const [index, block] of content.entries()) {
    if (block.type === "text") {
      events.push({
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "", citations: null },
      });
      if (index === 0) events.push({ type: "ping" });
      for (const text of chunks(String(block.text))) {
        events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text } });
      }
    } else {
      events.push({ type: "content_block_start", index, content_block: { ...block, input: {} } });
      for (const partial_json of chunks(JSON.stringify(block.input))) {
        events.push({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json },
        });
      }
    }
    events.push({ type: "content_block_stop", index });
  }
  const delta = {
    stop_reason: full.stop_reason,
    stop_sequence: null,
    stop_details: null,
    container: null,
  };
  const finalUsage = {
    input_tokens: u.input_tokens,
    cache_creation_input_tokens: u.cache_creation_input_tokens,
    cache_read_input_tokens: u.cache_read_input_tokens,
    output_tokens: u.output_tokens,
  };
  events.push({ type: "message_delta", delta, usage: finalUsage }, { type: "message_stop" });
  return events;
}

function replyText(body: Json, step: Reply): string {
  return step.text ?? `Echo: ${lastUserText(body)}`;
}

function usage(body: Json, text: string, step: Reply): Json {
  const estimate = Math.max(1, Math.ceil(JSON.stringify(body.messages ?? []).length / 4));
  const cacheCreation = step.usage?.cacheCreation ?? 0;
  return {
    input_tokens: step.usage?.input ?? estimate,
    output_tokens: step.usage?.output ?? Math.max(1, Math.ceil(text.length / 4)),
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: step.usage?.cached ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: "standard",
    inference_geo: "global",
  };
}

/** The events of an echo reply up to and including its `count`-th delta. */
function firstDeltas(body: Json, count: number): Json[] {
  const events = streamEvents(body, { kind: "reply" });
  let seen = 0;
  const cut = events.findIndex((e) => e.type === "content_block_delta" && ++seen === count);
  return count === 0 ? events.slice(0, 1) : events.slice(0, cut < 0 ? events.length : cut + 1);
}

function chunks(text: string): string[] {
  return text.match(new RegExp(`[\\s\\S]{1,${CHUNK_CHARS}}`, "g")) ?? [];
}

function sendError(
  res: ServerResponse,
  status: number,
  message?: string,
  headers: Record<string, string> = {},
): void {
  const [type, fallback] =
    ERROR_TYPES[status] ?? (status >= 500 ? ERROR_TYPES[500]! : ERROR_TYPES[400]!);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  const requestId = newId("req_011");
  res.setHeader("request-id", requestId);
  sendJson(res, status, {
    type: "error",
    error: { type, message: message ?? fallback },
    request_id: requestId,
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (!res.hasHeader("request-id")) res.setHeader("request-id", newId("req_011"));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function writeSse(res: ServerResponse, events: Json[]): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": newId("req_011"),
  });
  for (const event of events) {
    if (res.destroyed) return;
    res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
    await sleep(STREAM_GAP_MS);
  }
}

function newId(prefix: string): string {
  return prefix + randomBytes(12).toString("base64url");
}
