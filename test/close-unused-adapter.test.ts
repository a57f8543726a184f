/**
 * README: close() "then every adapter and the storage are closed, even if one fails to". A user's
 * adapter is handed over already built (it may hold a keep-alive agent, a socket, a child
 * process), but ConfiguredProviders.close only closes adapters some call has asked for: one no
 * session used in this process, or one that serves only as another provider's `fallback`, is
 * never closed, and its resources keep the process alive.
 */
import { expect, it } from "vitest";
import { createSessionManager } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter } from "./helpers/own-adapter.js";

it("close() closes a configured adapter no turn used", async () => {
  let closed = 0;
  const adapter = ownAdapter({ close: async () => void closed++ });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  await manager.getUserSessions("u"); // this process only lists sessions
  await manager.close();
  expect(closed).toBe(1);
});

it("close() closes an adapter that only served as a fallback", async () => {
  let closed = 0;
  const primary = ownAdapter({ name: "primary" } as never);
  const backup = ownAdapter({ close: async () => void closed++ });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { primary: { adapter: primary, fallback: ["backup"] }, backup: { adapter: backup } },
  });
  const session = await manager.createSession("u", "primary", "m");
  await session.sendMessage("hi");
  await manager.close();
  expect(closed).toBe(1);
});
