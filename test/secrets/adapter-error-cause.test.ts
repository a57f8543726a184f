/**
 * A turn that fails with something other than a `ProviderError` (the documented "your own
 * provider" adapter that lets its SDK's error through) is wrapped by `toProviderError` in
 * src/turn-failure.ts with `cause: failure`: the raw error is kept. `ProviderError` scrubs its own
 * message, not its cause, so `util.inspect(error)` / `console.error(error)` print the SDK error's
 * message (the 401 body's masked key `sk-test-****cdef`), its parsed body and headers.
 * src/providers/sdk-errors.ts says SDK errors are deliberately not kept as `cause` for exactly
 * this reason; the turn-level wrapper does it anyway.
 */
import { inspect } from "node:util";
import OpenAI from "openai";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  createSessionManager,
  ProviderError,
  type ProviderAdapter,
  type ProviderReply,
  type ProviderTurnInput,
  type SessionManager,
} from "../../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../providers/fake/openai-server.js";

const KEY = "sk-test-causeLeak-0123456789abcdef";
const MASKED = /sk-[\w-]*\*{2,}/;

let server: OpenAIFakeServer;
let manager: SessionManager | undefined;
beforeEach(async () => {
  server = await startOpenAIServer();
});
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  await server.close();
});

/** A custom adapter over the official SDK, as docs/providers.md "Your own provider" invites. */
function sdkAdapter(client: OpenAI): ProviderAdapter {
  const answer = async ({
    history,
    input,
    session,
    signal,
  }: ProviderTurnInput): Promise<ProviderReply> => {
    const messages = [...history, ...input].map((m) => ({
      role: m.role as "user" | "assistant" | "system",
      content: m.content,
    }));
    const c = await client.chat.completions.create({ model: session.model, messages }, { signal });
    return {
      content: c.choices[0]?.message.content ?? "",
      finishReason: "stop",
      usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 },
    };
  };
  return {
    name: "mine",
    historyMode: () => "client",
    sendTurn: answer,
    async *streamTurn(turn) {
      const reply = await answer(turn);
      yield { type: "delta", text: reply.content };
      yield { type: "done", reply };
    },
  };
}

it("a turn failure wrapped into ProviderError does not keep the raw error (masked key, body) as cause", async () => {
  const client = new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
  manager = createSessionManager({
    providers: { mine: { adapter: sdkAdapter(client), apiKey: KEY } },
  });
  const session = await manager.createSession("u1", "mine", "gpt-4o-mini");
  server.enqueue({ kind: "error", status: 401 }); // "Incorrect API key provided: sk-test-****cdef"
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as Error).message).not.toMatch(MASKED); // scrubbed here...
  const printed = inspect(error, { depth: 10 }); // what console.error(error) writes
  expect(printed).not.toContain(KEY);
  expect(printed, "util.inspect(error) shows the masked key via error.cause").not.toMatch(MASKED);
});

it("an adapter error quoting the configured key: scrubbed in the message, kept whole in the cause", async () => {
  const failing: ProviderAdapter = {
    name: "mine",
    historyMode: () => "none",
    sendTurn: async () => {
      // e.g. an HTTP client whose error text includes the URL or header it was given
      throw new Error(`request to https://llm.example/v1?key=${KEY} failed: 403`);
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw new Error(`request to https://llm.example/v1?key=${KEY} failed: 403`);
    },
  };
  manager = createSessionManager({ providers: { mine: { adapter: failing, apiKey: KEY } } });
  const session = await manager.createSession("u1", "mine", "m");
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as Error).message).not.toContain(KEY); // scrubbed here...
  expect(inspect(error, { depth: 10 }), "util.inspect(error) via error.cause").not.toContain(KEY);
});
