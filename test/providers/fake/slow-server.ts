/**
 * A slow streaming server for OpenAI Responses, Chat Completions and Anthropic Messages: every
 * request is answered with one long streamed reply, an SSE event every `gapMs`, and each stream
 * records whether the client hung up before its end. For tests of a reader's pace (and of the
 * HTTP stream closing when the reader breaks off), which the fast fakes cannot show.
 */
import { listen, readBody, sleep } from "./http.js";
import {
  chatChunks,
  chunks,
  messageItem,
  newId,
  responseEvents,
  responseObject,
  type Json,
  type Usage,
} from "./openai-wire.js";

/** What the server saw of one streamed reply. */
export interface SlowStream {
  /** The client closed the connection before the last event was written. */
  hungUp: boolean;
  /** The last event was written. */
  finished: boolean;
  /** Events written so far. */
  written: number;
}

export interface SlowServer {
  /** `http://127.0.0.1:<port>`: Anthropic's `baseURL`; OpenAI's is `${origin}/v1`. */
  origin: string;
  /** One per request, in order. */
  streams: SlowStream[];
  close(): Promise<void>;
}

/** The reply every request gets unless `text` is given: 60 words, `w0 w1 … w59 `. */
export const LONG_TEXT = Array.from({ length: 60 }, (_, i) => `w${i} `).join("");
const USAGE: Usage = { input: 11, output: 22, cached: 0 };

export async function startSlowServer(
  options: {
    /** Pause after each event; 20 ms unless given. */
    gapMs?: number;
    /** The reply to every request; LONG_TEXT unless given. */
    text?: string;
    /** Writes this many events, then goes silent (the connection stays open). */
    stallAfter?: number;
  } = {},
): Promise<SlowServer> {
  const gapMs = options.gapMs ?? 20;
  const text = options.text ?? LONG_TEXT;
  const streams: SlowStream[] = [];
  const server = await listen(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || "{}") as Json;
    const stream: SlowStream = { hungUp: false, finished: false, written: 0 };
    streams.push(stream);
    const closed = new Promise<void>((resolve) =>
      res.on("close", () => {
        stream.hungUp = !stream.finished;
        resolve();
      }),
    );
    const events = sseEvents(req.url ?? "", body, text);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "request-id": "req_slow",
    });
    for (const event of events) {
      if (res.destroyed || stream.hungUp) return;
      if (options.stallAfter !== undefined && stream.written >= options.stallAfter) {
        return closed;
      }
      res.write(event);
      stream.written++;
      await sleep(gapMs);
    }
    stream.finished = true;
    res.end();
  });
  return { origin: server.origin, streams, close: server.close };
}

/** The whole reply as SSE event strings, in the wire format of the API at `url`. */
function sseEvents(url: string, body: Json, text: string): string[] {
  const path = url.split("?")[0];
  const sse = (events: Json[], named: boolean): string[] =>
    events.map((e, i) => {
      const data = JSON.stringify(path === "/v1/responses" ? { ...e, sequence_number: i } : e);
      return named ? `event: ${String(e.type)}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
    });
  if (path === "/v1/responses") {
    const final = responseObject({
      id: newId("resp_"),
      body,
      status: "completed",
      output: [messageItem(newId("msg_"), text)],
      usage: USAGE,
      conversationId: null,
    });
    return sse(responseEvents(final, text, []), true);
  }
  if (path === "/v1/chat/completions") {
    const events = chatChunks({
      model: body.model,
      text,
      calls: [],
      usage: USAGE,
      includeUsage: true,
    });
    return [...sse(events, false), "data: [DONE]\n\n"];
  }
  return sse(anthropicEvents(body.model, text), true);
}

/** A Messages API stream of `text`: input tokens in message_start, output tokens at the end. */
function anthropicEvents(model: unknown, text: string): Json[] {
  const usage = {
    input_tokens: USAGE.input,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  const message = {
    id: newId("msg_"),
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  };
  return [
    { type: "message_start", message },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ...chunks(text).map((t) => ({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: t },
    })),
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: USAGE.output },
    },
    { type: "message_stop" },
  ];
}
