/**
 * Reading a provider's stream over HTTP, on OpenAI (Responses), OpenAI-compatible (Chat
 * Completions) and Anthropic: a reader that comes late, breaks off, pauses, or comes after the
 * turn ended (well or not); the caller's signal mid-stream; a reply of tool calls only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import type { Session } from "../../src/session.js";
import { startAnthropicServer } from "./fake/anthropic-server.js";
import { sleep } from "./fake/http.js";
import { startOpenAIServer } from "./fake/openai-server.js";
import { LONG_TEXT, startSlowServer, type SlowServer } from "./fake/slow-server.js";
import { readToEnd } from "../helpers/replies.js";
import type { FakeServer } from "./fake/types.js";

const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdef";

const cases = [
  {
    provider: "openai",
    model: "gpt-4o-mini",
    startFake: startOpenAIServer,
    /** The API's base URL on a server at `origin`, as the SDK's `baseURL` takes it. */
    apiURL: (origin: string) => `${origin}/v1`,
    options: { apiKey: OPENAI_KEY },
    /** Whether input tokens are reported before the stream ends. */
    earlyUsage: false,
  },
  {
    provider: "openai-compatible",
    model: "llama3.2",
    startFake: startOpenAIServer,
    apiURL: (origin: string) => `${origin}/v1`,
    options: {},
    earlyUsage: false,
  },
  {
    provider: "anthropic",
    model: "claude-haiku-4-5",
    startFake: startAnthropicServer,
    apiURL: (origin: string) => origin,
    options: { apiKey: ANTHROPIC_KEY },
    earlyUsage: true,
  },
] as const;

/** How `p` settles within `ms`: "resolved", "rejected", or "hung" if it has not. */
const outcome = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => "resolved",
      () => "rejected",
    ),
    sleep(ms).then(() => "hung"),
  ]);

for (const c of cases) {
  describe(`${c.provider}: a reader of a slow stream`, () => {
    let server: SlowServer | undefined;
    let manager: SessionManager | undefined;
    afterEach(async () => {
      await manager?.close();
      await server?.close();
      manager = server = undefined;
    });
    /** A session on a slow server sending an event every `gapMs`. */
    const start = async (gapMs = 20): Promise<Session> => {
      server = await startSlowServer({ gapMs });
      // No conversations: the slow server only streams replies.
      const options = { ...c.options, baseURL: c.apiURL(server.origin), nativeState: false };
      manager = createSessionManager({ providers: { [c.provider]: options } });
      return manager.createSession("u", c.provider, c.model);
    };

    it("a reader that comes mid-turn and breaks off stores exactly what it read", async () => {
      const session = await start();
      const stream = session.streamMessage("go");
      await sleep(300); // deltas buffer meanwhile, e.g. an await between streamMessage() and the loop
      let read = "";
      for await (const delta of stream) {
        read += delta;
        break;
      }
      const reply = await stream.reply;
      expect(reply.finishReason).toBe("aborted");
      expect(reply.content).toBe(read);
      expect((await session.getMessages())[1]!.content).toBe(read);
    });

    it("breaking off at the reader's pace stores what was read and hangs up the HTTP stream", async () => {
      const session = await start();
      const stream = session.streamMessage("go");
      let read = "";
      let n = 0;
      for await (const delta of stream) {
        read += delta;
        if (++n === 3) break;
      }
      expect(await stream.reply).toMatchObject({ content: read, finishReason: "aborted" });
      await sleep(200);
      expect(server!.streams[0]!.hungUp).toBe(true);
      expect((await session.getMetrics()).inputTokens > 0).toBe(c.earlyUsage);
    });

    it("aborting the signal while the reader pauses ends the turn: the reply rejects, the session is free", async () => {
      const session = await start(5);
      const controller = new AbortController();
      const stream = session.streamMessage("go", { signal: controller.signal });
      const reader = stream[Symbol.asyncIterator]();
      await reader.next(); // one delta shown; the reader then waits (a paused UI) holding the iterator
      controller.abort();
      expect(await outcome(stream.reply, 2000)).toBe("rejected");
      await expect(stream.reply).rejects.toBeInstanceOf(ProviderError);
      expect(await outcome(session.sendMessage("next"), 2000)).not.toBe("hung");
      await reader.return(undefined);
    });

    it("a stream that stalls mid-reply fails after timeoutMs, keeps what arrived, hangs up", async () => {
      server = await startSlowServer({ gapMs: 5, stallAfter: 8 });
      const base = { ...c.options, baseURL: c.apiURL(server.origin), nativeState: false };
      const options = { ...base, timeoutMs: 300, maxRetries: 0 };
      manager = createSessionManager({ providers: { [c.provider]: options } });
      const session = await manager.createSession("u", c.provider, c.model);
      let read = "";
      const failure = await (async () => {
        for await (const delta of session.streamMessage("go")) read += delta;
      })().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ProviderError);
      expect(failure).toMatchObject({ retryable: true });
      expect((failure as Error).message).toMatch(/stalled: no event for 300 ms/);
      expect(read.length).toBeGreaterThan(0);
      const [, stored] = await session.getMessages();
      expect(stored).toMatchObject({ content: read, finishReason: "error" });
      await sleep(50);
      expect(server.streams[0]!.hungUp).toBe(true);
      // The session's turn is free (a system message takes it, without asking the provider).
      expect(await outcome(session.sendSystemMessage("next"), 1000)).toBe("resolved");
    });

    it("a reply awaited without a reader runs to its end; a reader after it reads it all", async () => {
      const session = await start(2);
      const stream = session.streamMessage("go");
      expect((await stream.reply).content).toBe(LONG_TEXT);
      let read = "";
      for await (const delta of stream) read += delta;
      expect(read).toBe(LONG_TEXT);
      expect((await session.getMetrics()).totalTokens).toBeGreaterThan(0);
      expect(server!.streams[0]!.finished).toBe(true);
    });
  });

  describe(`${c.provider}: reading a stream that fails or holds only tool calls`, () => {
    let server: FakeServer | undefined;
    let manager: SessionManager | undefined;
    afterEach(async () => {
      await manager?.close();
      await server?.close();
      manager = server = undefined;
    });
    const start = async (providerConfig: Record<string, unknown> = {}): Promise<Session> => {
      server = await c.startFake();
      const options = { ...c.options, baseURL: server.url, maxRetries: 0 };
      manager = createSessionManager({ providers: { [c.provider]: options } });
      return manager.createSession("u", c.provider, c.model, { providerConfig });
    };

    it("aborting mid-stream gives the reader and the reply the same ProviderError; what was read is stored", async () => {
      const session = await start();
      server!.enqueue({
        kind: "reply",
        text: "a reply long enough to be cut somewhere in the middle",
      });
      const controller = new AbortController();
      const stream = session.streamMessage("go", { signal: controller.signal });
      let read = "";
      let error: unknown;
      try {
        for await (const delta of stream) {
          read += delta;
          if (read.length > 10) controller.abort();
        }
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProviderError);
      await expect(stream.reply).rejects.toBe(error);
      const stored = (await session.getMessages())[1]!;
      expect(stored.content).toBe(read);
      expect(stored.finishReason).toBe("aborted");
    });

    it("a reader after a failed turn reads its text, then its error", async () => {
      const session = await start();
      server!.enqueue({ kind: "drop", afterChunks: 3 });
      const stream = session.streamMessage("cut me");
      const failure = await stream.reply.catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ProviderError);
      const { read, error } = await readToEnd(stream);
      expect(error).toBe(failure);
      expect(read.length).toBeGreaterThan(0);
      expect((await session.getMessages())[1]!.content).toBe(read);
    });

    it("streams a reply of parallel tool calls only: no deltas, every call in order", async () => {
      const parameters = { type: "object", properties: {} };
      const session = await start({
        tools: [{ type: "function", function: { name: "lookup", parameters } }],
      });
      const calls = [
        { id: "call_a", name: "lookup", arguments: '{"q":"a"}' },
        { id: "call_b", name: "lookup", arguments: '{"q":"b"}' },
      ];
      server!.enqueue({ kind: "reply", text: "", toolCalls: calls });
      const stream = session.streamMessage("two lookups");
      const deltas: string[] = [];
      for await (const delta of stream) deltas.push(delta);
      expect(deltas).toEqual([]);
      const reply = await stream.reply;
      expect(reply.finishReason).toBe("tool_calls");
      expect(reply.toolCalls?.map((t) => [t.id, t.function.arguments])).toEqual([
        ["call_a", '{"q":"a"}'],
        ["call_b", '{"q":"b"}'],
      ]);
    });
  });
}
