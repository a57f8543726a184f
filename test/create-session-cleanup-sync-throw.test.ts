/**
 * manager.ts #create: when storage.createSession fails after the adapter made provider-side
 * state, the state is deleted with `adapter.deleteProviderSession?.(info).catch(...)`. An adapter
 * whose deleteProviderSession is a plain (non-async) function returning a promise and throwing
 * synchronously (argument check, client not ready) escapes that `.catch`: createSession then
 * rejects with the adapter's error instead of the storage failure that actually happened.
 * (Every other cleanup path, `drop` in provider-state.ts, uses try/await and warns.)
 */
import { expect, it } from "vitest";
import { createSessionManager, type ProviderAdapter } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter } from "./helpers/own-adapter.js";

it("createSession reports the storage failure, not the provider-state cleanup's sync throw", async () => {
  const storage = userStorage();
  storage.createSession = async () => {
    throw new Error("EIO: disk full");
  };
  const deleteProviderSession: ProviderAdapter["deleteProviderSession"] = (session) => {
    if (session.providerSessionId) throw new TypeError("client not connected");
    return Promise.resolve();
  };
  const adapter = ownAdapter({
    createProviderSession: async () => "gw-1",
    deleteProviderSession,
  });
  const manager = createSessionManager({ storage, providers: { mine: { adapter } } });
  const error = await manager.createSession("u", "mine", "m").catch((e: unknown) => e);
  expect((error as Error).message).toContain("EIO: disk full");
  await manager.close();
});
