/**
 * `warnProviderCleanup` (src/provider-state.ts), which writes the LANGSWARM_PROVIDER_CLEANUP_FAILED
 * warning, reads a non-Error failure with `String(error)`: for a null-prototype object (a parsed
 * error body; the case src/providers/provider-failure.ts `failureText` guards against) that throws
 * "Cannot convert object to primitive value". So `deleteSession` of a session whose provider-side
 * state cannot be deleted rejects with a bare TypeError, although the session is already deleted
 * from storage and the docs promise the delete succeeds with a warning. (It also never says what
 * was left behind.)
 */
import { expect, it } from "vitest";
import { createSessionManager, memoryStorage } from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";

it("deleteSession succeeds with a warning when deleteProviderSession throws a null-prototype object", async () => {
  const adapter = ownAdapter({
    historyMode: () => "native",
    createProviderSession: async () => "conv_1",
    deleteProviderSession: async () => {
      throw Object.assign(Object.create(null) as object, { error: "gone", status: 503 });
    },
  });
  const storage = memoryStorage();
  const manager = createSessionManager({ storage, providers: { mine: { adapter } } });
  const session = await manager.createSession("u1", "mine", "m");
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => void warnings.push(`${w.code}`);
  process.on("warning", onWarning);
  try {
    const outcome = await manager.deleteSession(session.sessionId).then(
      () => "deleted",
      (e: unknown) => String(e),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(await storage.getSession(session.sessionId)).toBeNull(); // it is gone from storage...
    expect(outcome).toBe("deleted"); // ...but the call rejects with a TypeError
    expect(warnings).toContain("LANGSWARM_PROVIDER_CLEANUP_FAILED");
  } finally {
    process.off("warning", onWarning);
    await manager.close();
  }
});
