import type { ProviderAdapter, ProviderReply } from "../../src/index.js";
import { USAGE } from "./replies.js";

export { USAGE };

/** A user's adapter with only the required members, answering `reply` (sent and streamed). */
export function ownAdapter(
  extra: Partial<ProviderAdapter> = {},
  reply: Partial<ProviderReply> = {},
): ProviderAdapter {
  const full = { content: "ok", usage: USAGE, finishReason: "stop", ...reply } as ProviderReply;
  return {
    name: "mine",
    historyMode: () => "client",
    sendTurn: async () => full,
    async *streamTurn() {
      yield { type: "delta", text: full.content };
      yield { type: "done", reply: full };
    },
    ...extra,
  };
}
