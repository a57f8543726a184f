/**
 * 98787f8 made any aborted signal realign a native conversation (turn-failure.ts needsRealign:
 * `turn.providerInput.signal?.aborted`). The realign exists because a provider that was asked
 * may have answered. A turn aborted before the provider was ever asked (here: while an async
 * outgoing middleware ran) has nothing in the conversation to realign, yet the whole
 * conversation is rebuilt from the transcript (a new one made, the old one deleted): on OpenAI,
 * a re-upload of the whole session, for every such abort.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderAdapter } from "../src/providers/types.js";
import { userStorage } from "./helpers/user-storage.js";
import { USAGE } from "./helpers/own-adapter.js";

function native() {
  const log = { made: 0, deleted: 0, asked: 0 };
  const adapter: ProviderAdapter = {
    name: "native",
    historyMode: () => "native",
    async createProviderSession() {
      return `conv_${++log.made}`;
    },
    async deleteProviderSession() {
      log.deleted++;
    },
    async sendTurn(turn) {
      turn.signal?.throwIfAborted(); // a well-behaved adapter: nothing is sent once aborted
      log.asked++;
      return { content: "ok", usage: USAGE, finishReason: "stop" };
    },
    async *streamTurn(turn) {
      turn.signal?.throwIfAborted();
      log.asked++;
      yield { type: "delta", text: "ok" };
      yield { type: "done", reply: { content: "ok", usage: USAGE, finishReason: "stop" } };
    },
  };
  return { adapter, log };
}

const slowOutgoing = { outgoing: async (m: unknown) => (await sleep(50), m) };
const timeout = () => new DOMException("The operation was aborted due to timeout", "TimeoutError");

for (const kind of ["sendMessage", "streamMessage"] as const) {
  it(`${kind} aborted before the provider was asked does not rebuild the native conversation`, async () => {
    const { adapter, log } = native();
    const manager = createSessionManager({
      storage: userStorage(),
      providers: { native: { adapter } },
      middleware: [slowOutgoing as never],
    });
    try {
      const session = await manager.createSession("u", "native", "m");
      expect(log.made).toBe(1);
      const controller = new AbortController();
      const turn =
        kind === "sendMessage"
          ? session.sendMessage("hi", { signal: controller.signal })
          : session.streamMessage("hi", { signal: controller.signal }).reply;
      const outcome = turn.catch((e: unknown) => e);
      await sleep(10); // the middleware is running: the provider has not been asked
      controller.abort(timeout());
      expect(await outcome).toBeInstanceOf(ProviderError);
      expect(log.asked).toBe(0);
      expect({ made: log.made, deleted: log.deleted, id: session.providerSessionId }).toEqual({
        made: 1,
        deleted: 0,
        id: "conv_1",
      });
    } finally {
      await manager.close();
    }
  });
}
