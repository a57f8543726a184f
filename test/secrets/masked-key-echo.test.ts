/**
 * A provider's 401 body echoes the key masked: first 8 characters, `****`, last 4 (the fake
 * server does what OpenAI and OpenAI-style proxies do). `redact` removes the *whole* registered
 * key and anything `sk-…`-shaped, but a key of another shape (Mistral's 32 characters, Groq's
 * `gsk_…`, a vLLM `--api-key`, Together's `tgp_v1_…`) is echoed as `abcdefgh****wxyz` and kept:
 * 12 characters of the key end up in the error message, in the stored `unanswered` message's
 * metadata, and in the `onMessageSent` hook payload.
 */
import { inspect } from "node:util";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import type { SessionMessage } from "../../src/types.js";
import { startOpenAIServer, type OpenAIFakeServer } from "../providers/fake/openai-server.js";

// Shaped like a Groq key: `gsk_` is not matched by redact's KEY_PATTERN (no \b before "sk").
const GROQ_KEY = "gsk_Q7wErTy8UiOp9AsDfGhJkL0zXcVbNm12";
// Shaped like a Mistral key: 32 letters and digits, no prefix at all.
const MISTRAL_KEY = "Xk3vN9qP2rT7wY4zB8mC1dF6gH5jK0Ls";

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

/** The parts of `key` that a masked echo shows: its first 8 and last 4 characters. */
function maskedParts(key: string): string[] {
  return [`${key.slice(0, 8)}****${key.slice(-4)}`, key.slice(0, 8)];
}

for (const [label, key] of [
  ["gsk_ (Groq-shaped)", GROQ_KEY],
  ["bare 32 characters (Mistral-shaped)", MISTRAL_KEY],
] as const) {
  it(`a 401 that echoes a masked ${label} key leaks no part of it`, async () => {
    const sent: SessionMessage[] = [];
    manager = createSessionManager({
      providers: { "openai-compatible": { apiKey: key, baseURL: server.url, maxRetries: 0 } },
      hooks: { onMessageSent: (m) => void sent.push(m) },
    });
    const session = await manager.createSession("u1", "openai-compatible", "mistral-small");
    server.enqueue({ kind: "error", status: 401 }); // body: "Incorrect API key provided: <masked>"
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROVIDER_ERROR", status: 401 });

    const stored = JSON.stringify(await session.getMessages());
    const surfaces = {
      message: String((error as Error).message),
      inspect: inspect(error, { depth: 10 }),
      json: JSON.stringify(error),
      stored,
      hook: JSON.stringify(sent),
    };
    const leaks = Object.entries(surfaces)
      .filter(([, text]) => maskedParts(key).some((part) => text.includes(part)))
      .map(([where]) => where);
    expect(leaks, `surfaces showing ${maskedParts(key)[0]}`).toEqual([]);
  });
}

it("a 401 that echoes a masked Authorization token from defaultHeaders leaks no part of it", async () => {
  // docs/providers.md: credential values of defaultHeaders "are scrubbed from errors like apiKey".
  const token = "hdrTokenValue9876543210";
  manager = createSessionManager({
    providers: {
      "openai-compatible": {
        baseURL: server.url,
        defaultHeaders: { Authorization: `Bearer ${token}` },
        maxRetries: 0,
      },
    },
  });
  const session = await manager.createSession("u1", "openai-compatible", "llama3.2");
  server.enqueue({ kind: "error", status: 401 });
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "PROVIDER_ERROR", status: 401 });
  const surfaces = {
    message: String((error as Error).message),
    stored: JSON.stringify(await session.getMessages()),
  };
  const leaks = Object.entries(surfaces)
    .filter(([, text]) => maskedParts(token).some((part) => text.includes(part)))
    .map(([where]) => where);
  expect(leaks, `surfaces showing ${maskedParts(token)[0]}`).toEqual([]);
});
