/**
 * 9d112f9 made a reply the storage did not take realign a native conversation (turn.ts notStored),
 * also when the append failed for a lost lease (ConcurrencyError). But by then the turn no longer
 * holds the lease: keepInput retakes it to store the unanswered input and releases it, and only
 * then realignConversation replaces the session's conversation and deletes the old one, unfenced.
 * Another process's turn that took the lease meanwhile runs on the old conversation: it is deleted
 * under it (the turn fails), or, where it survives, the session's new conversation lacks that turn.
 *
 * Two "processes" = two managers on separate SQLite storage objects for one file; A's heartbeat
 * never lands (as in test/lease-fencing.test.ts). The provider is a native-state fake in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import {
  ConcurrencyError,
  createSessionManager,
  ProviderError,
  sqliteStorage,
  type ProviderAdapter,
  type SessionMessage,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "r8core-realign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const USAGE = { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 };

/** The provider's side, shared by both processes: conversations by id. */
const conversations = new Map<string, string[]>();
let made = 0;

function nativeAdapter(replyMs: number, createMs: number): ProviderAdapter {
  return {
    name: "native",
    historyMode: () => "native",
    async createProviderSession(_session, history: readonly SessionMessage[] = []) {
      await sleep(createMs); // a network call
      const id = `conv_${++made}`;
      conversations.set(
        id,
        history.map((m) => m.content),
      );
      return id;
    },
    async deleteProviderSession(session) {
      conversations.delete(session.providerSessionId!);
    },
    async sendTurn(turn) {
      const id = turn.session.providerSessionId!;
      await sleep(replyMs);
      const conv = conversations.get(id);
      if (!conv) throw new ProviderError("native", `conversation ${id} not found`, { status: 404 });
      const content = `re: ${turn.input.map((m) => m.content).join(" ")}`;
      conv.push(...turn.input.map((m) => m.content), content);
      return { content, usage: USAGE, finishReason: "stop" };
    },
    streamTurn() {
      throw new Error("not used");
    },
  };
}

it("a turn fenced out by a lost lease does not replace the conversation under the new lease holder", async () => {
  const dbPath = join(dir, "s.db");
  const aStorage = sqliteStorage({ dbPath });
  aStorage.renewTurnLease = async () => true; // frozen: A's lease runs out during its turn
  const a = createSessionManager({
    storage: aStorage,
    providers: { native: { adapter: nativeAdapter(400, 100) } },
    turnLeaseMs: 100,
  });
  const b = createSessionManager({
    storage: sqliteStorage({ dbPath }),
    providers: { native: { adapter: nativeAdapter(300, 0) } },
    turnLeaseMs: 100,
  });
  try {
    const sa = await a.createSession("u", "native", "m");
    const sb = await b.getSession(sa.sessionId);
    let b2: Promise<unknown> | undefined;
    const append = aStorage.appendMessages.bind(aStorage);
    aStorage.appendMessages = async (id, messages, counters) => {
      const done = await append(id, messages, counters);
      // A keeps its input unanswered (under a retaken lease); B's next turn is already asked for.
      if (messages[0]?.metadata.unanswered && !b2) b2 = sb.sendMessage("b2").catch((e) => e);
      return done;
    };
    const ta = sa.sendMessage("a").catch((e: unknown) => e);
    await sleep(200); // A's lease has run out: B takes it over
    await sb.sendMessage("b1");
    expect(await ta).toBeInstanceOf(ConcurrencyError);
    const r2 = await b2;
    // B's second turn held the lease the whole time: it must not fail, and the conversation the
    // session now points at must hold every stored turn.
    expect(r2).toMatchObject({ role: "assistant", content: "re: b2" });
    const record = await b.storage.getSession(sa.sessionId);
    const conv = conversations.get(record!.providerSessionId!);
    expect(conv).toBeDefined();
    expect(conv).toEqual(expect.arrayContaining(["b2", "re: b2"]));
  } finally {
    await a.close();
    await b.close();
  }
});
