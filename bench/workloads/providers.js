/**
 * Provider overhead: a turn through the library against the project's fake provider server
 * (127.0.0.1, real wire format) vs the same SDK call made directly, in the same process.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startAnthropicServer } from "../../.tmp/bench-build/test/providers/fake/anthropic-server.js";
import { startOpenAIServer } from "../../.tmp/bench-build/test/providers/fake/openai-server.js";
import { createSessionManager } from "../../dist/index.js";
import { paired, result } from "../lib.js";

const TURNS = 20;
// Each SDK client and code path gets its JIT warm-up before the paired rounds start.
const WARM_UP = 40;
const KEY = "sk-bench-not-a-real-key";

export async function providers() {
  const server = await startOpenAIServer();
  const anthropicServer = await startAnthropicServer();
  try {
    return [
      await openaiNative(server),
      await openaiCompatible(server),
      await anthropic(anthropicServer),
    ];
  } finally {
    await server.close();
    await anthropicServer.close();
  }
}

function manager(provider, url) {
  return createSessionManager({
    storage: "memory",
    providers: { [provider]: { apiKey: KEY, baseURL: url, maxRetries: 0 } },
  });
}

async function openaiNative(server) {
  const m = manager("openai", server.url);
  const client = new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
  const { libMs, floorMs } = await paired(
    31,
    async () => {
      const session = await m.createSession("u", "openai", "gpt-4o-mini");
      for (let t = 0; t < TURNS; t++) await session.sendMessage(`Hello ${t}`);
    },
    async () => {
      const conversation = await client.conversations.create({ metadata: { user_id: "u" } });
      for (let t = 0; t < TURNS; t++) {
        await client.responses.create({
          model: "gpt-4o-mini",
          conversation: conversation.id,
          input: [{ role: "user", content: `Hello ${t}` }],
        });
      }
    },
    WARM_UP,
  );
  await m.close();
  return row("openai (native state)", libMs, floorMs);
}

async function openaiCompatible(server) {
  const m = manager("openai-compatible", server.url);
  const client = new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
  const { libMs, floorMs } = await paired(
    31,
    async () => {
      const session = await m.createSession("u", "openai-compatible", "llama3");
      for (let t = 0; t < TURNS; t++) await session.sendMessage(`Hello ${t}`);
    },
    async () => {
      const messages = [];
      for (let t = 0; t < TURNS; t++) {
        messages.push({ role: "user", content: `Hello ${t}` });
        const r = await client.chat.completions.create({ model: "llama3", messages });
        messages.push({ role: "assistant", content: r.choices[0].message.content });
      }
    },
    WARM_UP,
  );
  await m.close();
  return row("openai-compatible (client history)", libMs, floorMs);
}

async function anthropic(server) {
  const m = manager("anthropic", server.url);
  const client = new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
  const model = "claude-sonnet-5-5";
  const { libMs, floorMs } = await paired(
    31,
    async () => {
      const session = await m.createSession("u", "anthropic", model);
      for (let t = 0; t < TURNS; t++) await session.sendMessage(`Hello ${t}`);
    },
    async () => {
      const messages = [];
      for (let t = 0; t < TURNS; t++) {
        // The same request the adapter sends: content as text blocks.
        messages.push({ role: "user", content: [{ type: "text", text: `Hello ${t}` }] });
        const r = await client.messages.create({ model, max_tokens: 4096, messages });
        messages.push({ role: "assistant", content: [{ type: "text", text: r.content[0].text }] });
      }
    },
    WARM_UP,
  );
  await m.close();
  return row("anthropic (client history)", libMs, floorMs);
}

function row(name, libMs, floorMs) {
  return result("providers", name, "ms per turn vs the same SDK call made directly", {
    lib: libMs / TURNS,
    floor: floorMs / TURNS,
    unit: "ms",
    limit: 1.2,
  });
}
