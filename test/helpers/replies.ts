import type { MessageStream } from "../../src/index.js";
import type { ProviderAdapter, ProviderReply } from "../../src/providers/types.js";

export const USAGE = { inputTokens: 3, outputTokens: 4, cachedTokens: 0, cacheCreationTokens: 0 };

/** An adapter ("custom", stateless) answering every turn with `reply` over sound defaults. */
export function answering(reply: Partial<ProviderReply>): ProviderAdapter {
  const full = { content: "hi", usage: USAGE, finishReason: "stop", ...reply } as ProviderReply;
  return {
    name: "custom",
    historyMode: () => "none",
    sendTurn: async () => full,
    async *streamTurn() {
      yield { type: "delta", text: full.content };
      yield { type: "done", reply: full };
    },
  };
}

/** Reads a stream to its end: the text read, and the error it ended with (undefined if none). */
export async function readToEnd(stream: MessageStream): Promise<{ read: string; error: unknown }> {
  let read = "";
  try {
    for await (const delta of stream) read += delta;
    return { read, error: undefined };
  } catch (error) {
    return { read, error };
  }
}
