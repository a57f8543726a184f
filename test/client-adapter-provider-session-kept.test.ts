/**
 * docs/providers.md (Your own provider): `createProviderSession` makes provider-side state; a
 * fresh conversation after a broken stream is described for native state (OpenAI) only. But
 * realignConversation (provider-state.ts) also fires for a `historyMode: "client"` adapter that
 * has a providerSessionId: after any stream cut after text, the library creates a new provider
 * session and deletes the user's existing one (losing whatever it holds: a cache, a trace), and
 * rewrites providerSessionId, although the client adapter was sent the transcript and nothing
 * needs realigning.
 */
import { expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter } from "./helpers/own-adapter.js";

it("a client-history adapter's provider session survives a stream cut mid-reply", async () => {
  const calls: string[] = [];
  let made = 0;
  const adapter = ownAdapter({
    historyMode: () => "client",
    createProviderSession: async () => {
      calls.push("create");
      return `gw-${++made}`;
    },
    deleteProviderSession: async (s) => void calls.push(`delete ${s.providerSessionId}`),
    async *streamTurn() {
      yield { type: "delta", text: "partial" };
      throw new Error("connection reset");
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  await session.streamMessage("hi").reply.catch(() => undefined);
  await session.refresh();
  expect(calls).toEqual(["create"]);
  expect(session.providerSessionId).toBe("gw-1");
  await manager.close();
});
