/**
 * close() called from hooks (or middleware) returns before the storage closes; a failure to close
 * is then a process warning LANGSWARM_CLOSE_FAILED. manager.close() attaches its own `.catch` to
 * the one shared shutdown each time it is called this way, so one failure is warned once per
 * close() call: two hooks closing (two sessions answering at once) warn twice for one failure.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager, type SessionMessage } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function failingClose(m: SessionManager): void {
  const storage = m.storage as { close(): Promise<void> };
  const close = storage.close.bind(storage);
  storage.close = async () => {
    await close();
    throw new Error("disk full");
  };
}

async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code === "LANGSWARM_CLOSE_FAILED") seen.push(w.message);
  };
  process.on("warning", onWarning);
  try {
    await fn();
    await sleep(100);
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}

describe("one failure to close, reported by close() from several hooks", () => {
  it("onReplyReceived of two turns awaits close(): one warning", async () => {
    const own: { m?: SessionManager } = {};
    const m = (own.m = createSessionManager({
      providers: { mock: { adapter: new MockProvider({ latencyMs: 20 }) } },
      hooks: { onReplyReceived: () => own.m!.close() },
    }));
    failingClose(m);
    const a = await m.createSession("u", "mock", "m");
    const b = await m.createSession("u", "mock", "m");
    const seen = await warningsDuring(async () => {
      await Promise.all([a.sendMessage("1"), b.sendMessage("2")]);
    });
    expect(seen).toHaveLength(1); // today: 2, the same "disk full" twice
  });

  it("outgoing middleware closing on every turn of three sessions: one warning", async () => {
    const own: { m?: SessionManager } = {};
    const outgoing = async (message: SessionMessage) => {
      await sleep(10); // a moderation call: all three turns are in middleware
      await own.m!.close();
      return message;
    };
    const m = (own.m = createSessionManager({ middleware: [{ outgoing }] }));
    failingClose(m);
    const sessions = await Promise.all([1, 2, 3].map(() => m.createSession("u", "mock", "m")));
    const seen = await warningsDuring(async () => {
      await Promise.allSettled(sessions.map((s) => s.sendMessage("last")));
    });
    expect(seen).toHaveLength(1); // today: 3
  });
});
