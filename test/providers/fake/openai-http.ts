/** HTTP plumbing of the fake OpenAI server: error bodies, JSON, SSE framing, dropped sockets. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sleep } from "./http.js";
import { refusedParam } from "./openai-checks.js";
import type { Json } from "./openai-wire.js";

const STREAM_GAP_MS = 3;

export function defaultMessage(status: number, req: IncomingMessage, body: Json): string {
  if (status === 401) {
    const key = String(req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
    const masked = key.length > 8 ? `${key.slice(0, 8)}****${key.slice(-4)}` : key;
    return `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`;
  }
  if (status === 429)
    return `Rate limit reached for ${String(body.model)} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.`;
  if (status >= 500)
    return "The server had an error while processing your request. Sorry about that!";
  return `Request failed with status ${status}.`;
}

function errorKind(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: "invalid_request_error", code: "invalid_api_key" };
  if (status === 429) return { type: "requests", code: "rate_limit_exceeded" };
  if (status >= 500) return { type: "server_error", code: null };
  return { type: "invalid_request_error", code: null };
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  param: string | null = null,
  type?: string,
  headers: Record<string, string> = {},
  code?: string,
): void {
  const kind = errorKind(status);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  const error = { message, type: type ?? code ?? kind.type, param, code: code ?? kind.code };
  sendJson(res, status, { error });
}

/** Answers a sampling field a reasoning model refuses as the API does (see `refusedParam`). */
export function refusesParam(body: Json, res: ServerResponse): boolean {
  const field = refusedParam(body);
  if (!field) return false;
  const message = `Unsupported parameter: '${field}' is not supported with this model.`;
  sendError(res, 400, message, field, "invalid_request_error", {}, "unsupported_parameter");
  return true;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function sseFrame(event: Json, named: boolean, seq: number): string {
  const data = named ? { ...event, sequence_number: seq } : event;
  return named
    ? `event: ${String(event.type)}\ndata: ${JSON.stringify(data)}\n\n`
    : `data: ${JSON.stringify(data)}\n\n`;
}

/** Writes SSE events with a small gap each; chat streams end with `data: [DONE]`, Responses do not. */
export async function streamSse(
  res: ServerResponse,
  events: Json[],
  named: boolean,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  for (const [i, event] of events.entries()) {
    if (res.destroyed) return;
    res.write(sseFrame(event, named, i));
    await sleep(STREAM_GAP_MS);
  }
  if (!named) res.write("data: [DONE]\n\n");
  res.end();
}

/** Sends the given events, then destroys the socket (a non-streaming call is cut at once). */
export async function dropSse(
  res: ServerResponse,
  stream: boolean,
  events: Json[],
  named: boolean,
): Promise<void> {
  if (!stream) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  for (const [i, event] of events.entries()) {
    res.write(sseFrame(event, named, i));
    await sleep(STREAM_GAP_MS);
  }
  await sleep(STREAM_GAP_MS * 3);
  res.socket?.destroy();
}
