/**
 * Same root cause as stale-switch-skips-lease.test.ts: a Session of process B read while the
 * session was on a stateless provider; process A then moved it to a native-state provider. B's
 * clearMessages holds the turn with the adapter (and lease decision) of its stale record, re-reads
 * the record (now native, conv_2) but asks the *stale* adapter (no createProviderSession) for a
 * fresh conversation: the transcript is cleared while the provider's conversation keeps every
 * message ("starts fresh provider state" does not hold), and no lease was taken for it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createSessionManager, sqliteStorage } from "../src/index.js";
import type { ProviderAdapter, SessionMessage } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";
import { USAGE } from "./helpers/own-adapter.js";

const dir = mkdtempSync(join(tmpdir(), "r13fence-stale-clear-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conversations = new Map<string, string[]>();
let made = 0;
const native = (): ProviderAdapter => ({
  name: "native",
  historyMode: () => "native",
  async createProviderSession(_s, history: readonly SessionMessage[] = []) {
    const id = `conv_${++made}`;
    conversations.set(
      id,
      history.map((m) => m.content),
    );
    return id;
  },
  async deleteProviderSession(s) {
    conversations.delete(s.providerSessionId!);
  },
  async sendTurn(turn) {
    const conv = conversations.get(turn.session.providerSessionId!)!;
    const content = `re: ${turn.input.map((m) => m.content).join(" ")}`;
    conv.push(...turn.input.map((m) => m.content), content);
    return { content, usage: USAGE, finishReason: "stop" };
  },
  // eslint-disable-next-line require-yield
  async *streamTurn() {
    throw new Error("unused");
  },
});

it("a stale Session's clearMessages also clears the native conversation another process moved it to", async () => {
  const dbPath = join(dir, "s.db");
  const make = () =>
    createSessionManager({
      storage: sqliteStorage({ dbPath }),
      providers: { mock: { adapter: new MockProvider() }, native: { adapter: native() } },
    });
  const a = make();
  const b = make();
  try {
    const sessionA = await a.createSession("u", "mock", "m1");
    const sessionB = await b.getSession(sessionA.sessionId); // read on "mock"
    await sessionB.sendMessage("hello"); // B's mock adapter is built
    await sessionA.switchProvider("native", "n1");
    await sessionA.sendMessage("my secret is 42");
    const conv = sessionA.providerSessionId!;
    expect(conversations.get(conv)).toContain("my secret is 42");

    await sessionB.clearMessages();

    expect(await sessionB.getMessages()).toEqual([]);
    const now = (await sessionB.refresh()).providerSessionId;
    // The transcript is gone: so must the conversation that holds it (a fresh one in its place).
    expect(now === conv ? conversations.get(conv) : []).not.toContain("my secret is 42");
  } finally {
    await a.close();
    await b.close();
  }
});
