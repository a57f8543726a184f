/**
 * `SyncTurnStorage` is exported for users, and `appendTurnSync(...): void` accepts an `async`
 * implementation in TypeScript. A wrapper around memoryStorage() that makes every method async
 * (logging, metrics, an audit write: a Proxy is the usual way) keeps `appendTurnSync`, but its
 * promise is ignored by completeTurn (turn.ts): sendMessage returns a reply that was never
 * stored, and the storage's failure becomes an unhandled rejection.
 */
import { expect, it } from "vitest";
import { createSessionManager, memoryStorage, type SessionStorage } from "../src/index.js";

it("a storage whose appendTurnSync returns a rejected promise does not report the turn as stored", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => void unhandled.push(r);
  process.on("unhandledRejection", onUnhandled);
  const inner = memoryStorage();
  const instrumented = new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        if (key === "appendTurnSync") throw new Error("audit log unavailable");
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as SessionStorage;
  const manager = createSessionManager({ storage: instrumented, providers: { mock: null } });
  const session = await manager.createSession("u", "mock", "mock-model");
  const outcome = await session.sendMessage("remember this").then(
    () => "returned a reply",
    (e: unknown) => e,
  );
  await new Promise((r) => setTimeout(r, 20));
  process.off("unhandledRejection", onUnhandled);
  const stored = await session.getMessages();
  // Either the reply is really stored, or the call fails (and the input is kept).
  if (outcome === "returned a reply")
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
  else expect(stored.map((m) => m.metadata.unanswered)).toEqual([true]);
  expect(unhandled).toEqual([]);
  await manager.close();
});
