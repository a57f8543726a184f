/**
 * A V1 session streamed through the bridge runs its V2 turn in the very stream the reader holds:
 * breaking off stops the turn at once and stores exactly what the reader read, as on a V2
 * session, and a call from the reading loop lets the turn run ahead to its end.
 */
import { afterEach, beforeAll, expect, it } from "vitest";
import { createSessionManager } from "../../src/index.js";
import type { ProviderAdapter, SessionManager } from "../../src/index.js";
import { SessionBridge } from "../../src/migration/index.js";
import { writeV1 } from "./fix-helpers.js";
import { tempDir } from "./helpers.js";

const USAGE = { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 };
const ID = "session_1a2b3c4d";

const tmp = tempDir("mig-view-stream-");
const v1 = tmp.path("langswarm_sessions.db");
beforeAll(() => {
  // Provider "gated" is no V1 name the map knows: the migration keeps it.
  writeV1(v1, [
    { session_id: ID, user_id: "user123", provider: "gated", model: "m", messages: [] },
  ]);
  return tmp.cleanup;
});

let manager: SessionManager;
let bridge: SessionBridge;
afterEach(async () => {
  await bridge.close();
  await manager.close(); // also ends a turn still held by the gate (close aborts streams)
});

/**
 * Streams "one ", "two ", "three " at once (`ahead` resolves once the turn has taken all three),
 * then holds the turn until it is stopped (its signal aborted) or `release`d: then "four" and
 * the end. `signals` are the turns' signals.
 */
function gated() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken!: () => void;
  const ahead = new Promise<void>((resolve) => (taken = resolve));
  const signals: AbortSignal[] = [];
  const adapter: ProviderAdapter = {
    name: "gated",
    historyMode: () => "none",
    sendTurn: () => ({ content: "sent", finishReason: "stop", usage: USAGE }),
    async *streamTurn({ signal }) {
      signals.push(signal!);
      yield { type: "delta", text: "one " };
      yield { type: "delta", text: "two " };
      yield { type: "delta", text: "three " };
      taken();
      await Promise.race([released, stopped(signal!)]);
      signal!.throwIfAborted();
      yield { type: "delta", text: "four" };
      const reply = { content: "one two three four", finishReason: "stop", usage: USAGE };
      yield { type: "done", reply };
    },
  };
  return { adapter, release, ahead, signals };
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

async function viewOf(adapter: ProviderAdapter) {
  manager = createSessionManager({ providers: { gated: { adapter } } });
  bridge = new SessionBridge(manager, v1, { timezone: "UTC" });
  return bridge.getSession(ID);
}

const transcript = async () =>
  (await (await manager.getSession(ID)).getMessages()).map((m) => [m.role, m.content]);

it("breaking off a V1 view's stream stores only what the reader read", async () => {
  const provider = gated();
  const stream = (await viewOf(provider.adapter)).streamMessage("Hi");
  await provider.ahead; // the turn ran ahead of its reader: three deltas are buffered
  let read = "";
  for await (const delta of stream) {
    read += delta;
    break;
  }
  provider.release(); // a turn still running would now stream the rest and store all of it
  expect(read).toBe("one ");
  expect(await stream.reply).toMatchObject({ content: "one ", finishReason: "aborted" });
  expect(await transcript()).toEqual([
    ["user", "Hi"],
    ["assistant", "one "],
  ]);
});

it("breaking off a V1 view's stream stops the turn at once and frees the session", async () => {
  const provider = gated();
  const view = await viewOf(provider.adapter);
  const stream = view.streamMessage("Hi");
  await provider.ahead;
  for await (const delta of stream) {
    void delta;
    break;
  }
  // As on a V2 session, the break has reached the provider by the time the loop is left.
  expect(provider.signals[0]!.aborted).toBe(true);
  expect((await stream.reply).content).toBe("one ");
  expect((await view.sendMessage("next")).content).toBe("sent"); // not queued behind the turn
});

it("a call from a V1 view's reading loop lets the turn run ahead to its end", async () => {
  const provider = gated();
  const view = await viewOf(provider.adapter);
  const stream = view.streamMessage("Hi");
  provider.release();
  let read = "";
  for await (const delta of stream) {
    // Waits for the session: the turn must end without its reader, or this waits for itself.
    if (read === "") await view.sendMessage("next");
    read += delta;
  }
  expect(read).toBe("one two three four");
  expect(await transcript()).toEqual([
    ["user", "Hi"],
    ["assistant", "one two three four"],
    ["user", "next"],
    ["assistant", "sent"],
  ]);
});
