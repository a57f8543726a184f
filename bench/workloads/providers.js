/**
 * Provider overhead: a turn through the library against the project's fake provider server
 * (127.0.0.1, real wire format) vs the same SDK call made directly, in the same process.
 */
import OpenAI from "openai";
import { startOpenAIServer } from "../../.tmp/bench-build/test/providers/fake/openai-server.js";
import { createSessionManager } from "../../dist/index.js";
import { paired, result } from "../lib.js";

const TURNS = 20;
const KEY = "sk-bench-not-a-real-key";

export async function providers() {
  const server = await startOpenAIServer();
  try {
    return [await openaiNative(server), await openaiCompatible(server)];
  } finally {
    await server.close();
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
    9,
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
  );
  await m.close();
  return row("openai (native state)", libMs, floorMs);
}

async function openaiCompatible(server) {
  const m = manager("openai-compatible", server.url);
  const client = new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
  const { libMs, floorMs } = await paired(
    9,
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
  );
  await m.close();
  return row("openai-compatible (client history)", libMs, floorMs);
}

function row(name, libMs, floorMs) {
  return result("providers", name, "ms per turn vs the same SDK call made directly", {
    lib: libMs / TURNS,
    floor: floorMs / TURNS,
    unit: "ms",
    limit: 1.2,
  });
}
