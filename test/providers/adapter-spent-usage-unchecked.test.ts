/**
 * What an adapter says was spent outside `reply.usage` is not checked like `reply.usage` is:
 * `ProviderError.spent[].usage` (docs/providers.md: "A call that fails but was billed throws
 * new ProviderError(name, message, { spent: [{ usage }] })") and `ProviderReply.earlier`. A count
 * left undefined (a response without that field) turns the failed turn into a ValidationError
 * about `usage.inputTokens`, and the user's message is lost; a count given as text ("5", as some
 * proxies send) is added as a string on the memory store: inputTokens becomes "035".
 */
import { expect, it } from "vitest";
import { createSessionManager, memoryStorage, ProviderError } from "../../src/index.js";
import type { TokenUsage } from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";

it("a billed ProviderError whose spent usage lacks a count still raises ProviderError and keeps the input", async () => {
  const usage = {
    inputTokens: undefined,
    outputTokens: 5,
    cachedTokens: 0,
    cacheCreationTokens: 0,
  };
  const adapter = ownAdapter({
    sendTurn: () => {
      throw new ProviderError("mine", "upstream 500 after the prompt", {
        status: 500,
        spent: [{ usage: usage as unknown as TokenUsage }],
      });
    },
  });
  const manager = createSessionManager({
    storage: memoryStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const error = await session.sendMessage("keep me").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  const stored = await session.getMessages();
  expect(stored.map((m) => [m.content, m.metadata.unanswered])).toEqual([["keep me", true]]);
  await manager.close();
});

it("a reply whose earlier attempts give counts as text never stores string token counts", async () => {
  const earlier = [
    { usage: { inputTokens: "5", outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 } },
  ] as unknown as { usage: TokenUsage }[];
  const manager = createSessionManager({
    storage: memoryStorage(),
    providers: { mine: { adapter: ownAdapter({}, { earlier }) } },
  });
  const session = await manager.createSession("u", "mine", "m");
  await session.sendMessage("hi").catch(() => undefined);
  const metrics = await session.getMetrics();
  expect(typeof metrics.inputTokens).toBe("number");
  expect(typeof metrics.totalTokens).toBe("number");
  await manager.close();
});
