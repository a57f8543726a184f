/**
 * A fake OpenAI API on 127.0.0.1 that speaks the real wire formats (Conversations, Responses,
 * Chat Completions, error bodies and headers), for tests that run the official SDK against it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { listen, readBody, sleep } from "./http.js";
import type { FakeServer, FakeStep, RecordedRequest } from "./types.js";
import {
  chatChunks,
  chatCompletion,
  functionCallItem,
  messageItem,
  newId,
  responseEvents,
  responseObject,
  type Json,
  type ToolCallSpec,
} from "./openai-wire.js";
import { checkChatTools, checkResponsesTools, inputItems, lastInputText } from "./openai-checks.js";
import {
  defaultMessage,
  dropSse,
  refusesParam,
  sendError,
  sendJson,
  streamSse,
} from "./openai-http.js";
import { addItems, conversationId, conversationJson, usageOf } from "./openai-items.js";

export interface FakeConversation {
  id: string;
  created_at: number;
  metadata: Record<string, string>;
  items: Json[];
}

/** The fake's extra view: conversations kept by the server, by id (deleted ones removed). */
export interface OpenAIFakeServer extends FakeServer {
  readonly conversations: Map<string, FakeConversation>;
  readonly deletedConversations: Set<string>;
  /** The next streamed Responses call sends `response.created`, then an in-band `error` event. */
  enqueueStreamError(code: string, message: string): void;
}

type Reply = Extract<FakeStep, { kind: "reply" }>;

/** Starts a fake on an ephemeral port; `url` ends in `/v1`, as the SDK's `baseURL` does. */
export async function startOpenAIServer(): Promise<OpenAIFakeServer> {
  const fake = new Fake();
  const server = await listen((req, res) => fake.handle(req, res));
  return {
    url: `${server.origin}/v1`,
    requests: fake.requests,
    conversations: fake.conversations,
    deletedConversations: fake.deleted,
    enqueue: (...steps) => fake.steps.push(...steps),
    enqueueStreamError: (code, message) => fake.streamErrors.push({ code, message }),
    close: server.close,
  };
}

class Fake {
  readonly requests: RecordedRequest[] = [];
  readonly steps: FakeStep[] = [];
  readonly streamErrors: { code: string; message: string }[] = [];
  readonly conversations = new Map<string, FakeConversation>();
  readonly deleted = new Set<string>();

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const raw = await readBody(req);
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      return sendError(res, 400, "We could not parse the JSON body of your request.");
    }
    this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });
    res.setHeader("x-request-id", newId("req_"));
    try {
      await this.route(req.method ?? "GET", path, (body ?? {}) as Json, req, res);
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, String(error));
    }
  }

  async route(method: string, path: string, body: Json, req: IncomingMessage, res: ServerResponse) {
    const conv = /^\/v1\/conversations\/([^/]+)(\/items)?$/.exec(path);
    if (method === "POST" && path === "/v1/conversations")
      return this.createConversation(body, res);
    if (conv && !conv[2] && method === "GET")
      return this.withConversation(conv[1]!, res, (c) => sendJson(res, 200, conversationJson(c)));
    if (conv && !conv[2] && method === "DELETE") return this.deleteConversation(conv[1]!, res);
    if (conv && conv[2] && method === "POST") {
      return this.withConversation(conv[1]!, res, (c) => {
        const added = addItems(c, (body.items as Json[]) ?? []);
        sendJson(res, 200, {
          object: "list",
          data: added,
          first_id: added[0]?.id,
          last_id: added.at(-1)?.id,
          has_more: false,
        });
      });
    }
    if (conv && conv[2] && method === "GET") {
      return this.withConversation(conv[1]!, res, (c) =>
        sendJson(res, 200, { object: "list", data: [...c.items].reverse(), has_more: false }),
      );
    }
    const item = /^\/v1\/conversations\/([^/]+)\/items\/([^/]+)$/.exec(path);
    if (item && method === "DELETE") return this.deleteItem(item[1]!, item[2]!, res);
    if (method === "POST" && path === "/v1/responses") return this.responses(body, req, res);
    if (method === "POST" && path === "/v1/chat/completions") return this.chat(body, req, res);
    sendError(res, 404, `Invalid URL (${method} ${path})`);
  }

  createConversation(body: Json, res: ServerResponse): void {
    const metadata = (body.metadata ?? {}) as Record<string, string>;
    const entries = Object.entries(metadata);
    const bad = entries.find(([k, v]) => k.length > 64 || typeof v !== "string" || v.length > 512);
    if (entries.length > 16 || bad) {
      return sendError(
        res,
        400,
        "Invalid 'metadata': too many keys or a key/value too long.",
        "metadata",
      );
    }
    const items = (body.items as Json[] | undefined) ?? [];
    if (items.length > 20)
      return sendError(res, 400, "Invalid 'items': at most 20 items.", "items");
    const c: FakeConversation = {
      id: newId("conv_"),
      created_at: Math.floor(Date.now() / 1000),
      metadata,
      items: [],
    };
    addItems(c, items);
    this.conversations.set(c.id, c);
    sendJson(res, 200, conversationJson(c));
  }

  deleteConversation(id: string, res: ServerResponse): void {
    this.withConversation(id, res, () => {
      this.conversations.delete(id);
      this.deleted.add(id);
      sendJson(res, 200, { id, object: "conversation.deleted", deleted: true });
    });
  }

  /** As the API does: the item goes, and the reply is the conversation object. */
  deleteItem(conversation: string, itemId: string, res: ServerResponse): void {
    this.withConversation(conversation, res, (c) => {
      const at = c.items.findIndex((i) => i.id === itemId);
      if (at < 0) return sendError(res, 404, `No item found with id '${itemId}'.`);
      c.items.splice(at, 1);
      sendJson(res, 200, conversationJson(c));
    });
  }

  withConversation(id: string, res: ServerResponse, fn: (c: FakeConversation) => void): void {
    const c = this.conversations.get(id);
    if (!c)
      return sendError(
        res,
        404,
        `Conversation with id '${id}' not found.`,
        null,
        "invalid_request_error",
      );
    fn(c);
  }

  async responses(body: Json, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const convId = conversationId(body.conversation);
    if (convId && body.previous_response_id) {
      return sendError(
        res,
        400,
        "Cannot use 'previous_response_id' together with 'conversation'.",
        "previous_response_id",
      );
    }
    const c = convId ? this.conversations.get(convId) : undefined;
    if (convId && !c)
      return sendError(res, 404, `Conversation with id '${convId}' not found.`, "conversation");
    if (refusesParam(body, res)) return;
    const input = inputItems(body.input);
    const toolProblem = checkResponsesTools(c?.items ?? [], input);
    if (toolProblem) return sendError(res, 400, toolProblem, "input");
    const inBand = body.stream ? this.streamErrors.shift() : undefined;
    if (inBand) return this.streamError(body, res, inBand);
    const step = await this.nextStep(req, res, body);
    if (!step) return;
    if (step.kind === "drop") return this.dropResponse(body, input, res, step.afterChunks);
    const text = step.text ?? `Echo: ${lastInputText(input)}`;
    const calls: ToolCallSpec[] = step.toolCalls ?? [];
    const output = [
      ...(text ? [messageItem(newId("msg_"), text)] : []),
      ...calls.map((call) => functionCallItem(call)),
    ];
    const final = responseObject({
      id: newId("resp_"),
      body,
      status: "completed",
      output,
      usage: usageOf(step, body, text),
      conversationId: convId,
    });
    // The conversation gets the input items, then the output items, once the response is complete.
    if (c) addItems(c, [...input, ...output]);
    if (body.stream) return streamSse(res, responseEvents(final, text, calls), true);
    sendJson(res, 200, final);
  }

  streamError(
    body: Json,
    res: ServerResponse,
    e: { code: string; message: string },
  ): Promise<void> {
    const started = responseObject({
      id: newId("resp_"),
      body,
      status: "in_progress",
      output: [],
      usage: null,
      conversationId: null,
    });
    const error = { type: "error", code: e.code, message: e.message, param: null };
    return streamSse(res, [...responseEvents(started, "", []).slice(0, 2), error], true);
  }

  dropResponse(body: Json, input: Json[], res: ServerResponse, afterChunks: number): Promise<void> {
    const text = `Echo: ${lastInputText(input)} and some more text so there is enough to cut`;
    const output = [messageItem(newId("msg_"), text)];
    const final = responseObject({
      id: newId("resp_"),
      body,
      status: "completed",
      output,
      usage: null,
      conversationId: null,
    });
    return dropSse(res, body.stream === true, responseEvents(final, text, [], afterChunks), true);
  }

  async chat(body: Json, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const messages = (body.messages as Json[] | undefined) ?? [];
    if (body.stream_options && !body.stream) {
      return sendError(
        res,
        400,
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "stream_options",
      );
    }
    const toolProblem = checkChatTools(messages);
    if (toolProblem) return sendError(res, 400, toolProblem, "messages");
    const step = await this.nextStep(req, res, body);
    if (!step) return;
    const last = [...messages].reverse().find((m) => m.role === "user" || m.role === "tool");
    const includeUsage = (body.stream_options as Json | undefined)?.include_usage === true;
    if (step.kind === "drop") {
      const text = `Echo: ${String(last?.content ?? "")} and some more text so there is enough to cut`;
      const all = chatChunks({
        model: body.model,
        text,
        calls: [],
        usage: { input: 0, output: 0, cached: 0 },
        includeUsage,
        upTo: step.afterChunks,
      });
      return dropSse(res, body.stream === true, all, false);
    }
    const text = step.text ?? `Echo: ${String(last?.content ?? "")}`;
    const calls = step.toolCalls ?? [];
    const usage = usageOf(step, body, text);
    if (!body.stream) return sendJson(res, 200, chatCompletion(body.model, text, calls, usage));
    await streamSse(
      res,
      chatChunks({ model: body.model, text, calls, usage, includeUsage }),
      false,
    );
  }

  /** Applies the queued step: errors and hangs are answered here; null means handled. */
  async nextStep(
    req: IncomingMessage,
    res: ServerResponse,
    body: Json,
  ): Promise<Reply | Extract<FakeStep, { kind: "drop" }> | null> {
    const step = this.steps.shift() ?? { kind: "reply" };
    if (step.kind === "hang") return null;
    if (step.kind === "error") {
      sendError(
        res,
        step.status,
        step.message ?? defaultMessage(step.status, req, body),
        null,
        undefined,
        step.headers,
        step.code,
      );
      return null;
    }
    if (step.kind === "reply" && step.delayMs) await sleep(step.delayMs);
    return step;
  }
}
