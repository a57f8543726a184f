/**
 * README: "`deleteSession` (deletes from storage even if the provider-side state, an OpenAI
 * conversation, cannot be deleted: a `LANGSWARM_PROVIDER_CLEANUP_FAILED` warning names what was
 * left)". A manager that is not configured with the session's provider (a cleanup job, an admin
 * tool, a manager after a provider was removed) deletes the session and used to leave its OpenAI
 * conversation — the user's whole transcript — on OpenAI's servers without any warning.
 * `switchProvider` in the same situation does warn ("its provider is not usable by this manager").
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSessionManager } from "../src/index.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./providers/fake/openai-server.js";

const KEY = "sk-test-openai-0123456789abcdef";
let server: OpenAIFakeServer;
let dbPath: string;
beforeEach(async () => {
  server = await startOpenAIServer();
  dbPath = join(mkdtempSync(join(tmpdir(), "r7spec-del-")), "s.db");
});
afterEach(async () => {
  await server.close();
});

async function warningsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const on = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
  process.on("warning", on);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", on);
  }
  return warnings;
}

it("deleteSession by a manager without the session's provider warns about the conversation it leaves", async () => {
  const app = createSessionManager({
    storage: "sqlite",
    storageConfig: { dbPath },
    providers: { openai: { apiKey: KEY, baseURL: server.url } },
  });
  const session = await app.createSession("user123", "openai", "gpt-4o");
  await session.sendMessage("my card number is 4111 1111 1111 1111");
  const conv = session.providerSessionId!;
  expect(conv).toMatch(/^conv_/);
  await app.close();

  // e.g. a maintenance job that only deletes sessions
  const admin = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  let deleted: boolean | undefined;
  const warnings = await warningsOf(
    async () => (deleted = await admin.deleteSession(session.sessionId)),
  );
  await admin.close();

  expect(deleted).toBe(true);
  expect(server.conversations.has(conv)).toBe(true); // left on the provider's side
  expect(warnings).toEqual([
    expect.stringMatching(new RegExp(`^LANGSWARM_PROVIDER_CLEANUP_FAILED: .*${conv}`)),
  ]);
});

it("a cleanup by such a manager warns the same way; a session with no provider state does not", async () => {
  const app = createSessionManager({
    storage: "sqlite",
    storageConfig: { dbPath },
    providers: { openai: { apiKey: KEY, baseURL: server.url }, mock: null },
  });
  const native = await app.createSession("user123", "openai", "gpt-4o");
  await app.createSession("user123", "mock", "m"); // nothing on any provider's side
  const conv = native.providerSessionId!;
  await app.close();
  await new Promise((r) => setTimeout(r, 5)); // idle for more than 0 hours

  const admin = createSessionManager({ storage: "sqlite", storageConfig: { dbPath } });
  let count: number | undefined;
  const warnings = await warningsOf(async () => {
    count = await admin.cleanupInactiveSessions({ maxInactiveHours: 0, action: "delete" });
  });
  await admin.close();

  expect(count).toBe(2);
  expect(warnings).toEqual([
    expect.stringMatching(new RegExp(`^LANGSWARM_PROVIDER_CLEANUP_FAILED: .*${conv}`)),
  ]);
});
