/**
 * docs/providers.md: "anything else thrown becomes a non-retryable ProviderError. Either way the
 * session keeps the input, marked unanswered." An adapter that throws an object without a
 * prototype (a parsed error body built with `Object.create(null)`, as some JSON/RPC libraries
 * and `querystring` do) makes `toProviderError` itself throw (`String(failure)`: "Cannot convert
 * object to primitive value"): the caller gets that TypeError and the input is lost.
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";
import { userStorage } from "../helpers/user-storage.js";

it("a thrown null-prototype object becomes a ProviderError and the input is kept", async () => {
  const body = Object.assign(Object.create(null) as object, { error: "overloaded" });
  const adapter = ownAdapter({
    sendTurn: () => {
      throw body;
    },
    // eslint-disable-next-line require-yield
    async *streamTurn() {
      throw body;
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  await expect(session.sendMessage("one")).rejects.toBeInstanceOf(ProviderError);
  await expect(session.streamMessage("two").complete()).rejects.toBeInstanceOf(ProviderError);
  const stored = await session.getMessages();
  expect(stored.map((m) => [m.content, m.metadata.unanswered])).toEqual([
    ["one", true],
    ["two", true],
  ]);
  await manager.close();
});
