/**
 * Edges of a streamed turn: a reader that breaks off when storing fails, comes late, or meets a
 * second reader; `complete()` during a read; hooks having run when `reply` resolves; an iterator
 * made and never read; and a reply whose model is not text.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createSessionManager, ProviderError, ValidationError } from "../src/index.js";
import { createTestManager, MockProvider } from "../src/testing/index.js";
import { answering } from "./helpers/replies.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** "settled" if `p` settles within `ms`, else "waiting". */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(settled, settled), sleep(ms).then(() => "waiting")]);
const settled = () => "settled";

describe("a stream's reader", () => {
  const failingIncoming = {
    throws: () => {
      throw new Error("incoming middleware bug");
    },
    rejects: () => Promise.reject(new Error("incoming middleware bug")),
  };
  for (const [how, incoming] of Object.entries(failingIncoming)) {
    it(`breaking off when storing what was read fails (middleware ${how}): the reply rejects with that error`, async () => {
      const manager = createSessionManager({
        providers: { mock: { adapter: new MockProvider({ chunkSize: 2, latencyMs: 10 }) } },
        middleware: [{ incoming }],
      });
      const s = await manager.createSession("u", "mock", "m");
      const stream = s.streamMessage("a reply long enough to break off");
      for await (const delta of stream) {
        void delta;
        break;
      }
      // The turn is over (the input is kept unanswered), so the reply settles.
      expect(await within(stream.reply, 1000)).toBe("settled");
      await expect(stream.reply).rejects.toThrow("incoming middleware bug");
      await manager.close();
    });
  }

  it("a second reader while one is reading is refused; the first reads the whole reply", async () => {
    const { manager } = createTestManager({ mock: { chunkSize: 2, latencyMs: 2 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("read by one");
    const readAll = async () => {
      for await (const delta of stream) void delta;
    };
    let second: Promise<unknown> | undefined;
    let text = "";
    for await (const delta of stream) {
      text += delta;
      second ??= readAll().catch((e: unknown) => e);
    }
    const refused = await second;
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ field: "stream" });
    expect(text).toBe("Echo: read by one");
    expect(await stream.reply).toMatchObject({ content: text, finishReason: "stop" });
    await manager.close();
  });

  it("complete() while a loop is reading waits for it and returns the reply", async () => {
    const { manager } = createTestManager({ mock: { chunkSize: 2, latencyMs: 2 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("read and completed");
    const loop = (async () => {
      for await (const delta of stream) void delta;
    })();
    const done = stream.complete();
    expect(await within(Promise.all([loop, done]), 2000)).toBe("settled");
    expect((await done).content).toBe("Echo: read and completed");
    await manager.close();
  });

  it("a reader that comes late and breaks off stores exactly what it read", async () => {
    const { manager } = createTestManager({ mock: { chunkSize: 2, latencyMs: 5 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("abcdefghijklmnopqrstuvwxyz");
    await sleep(40); // some deltas arrive before the reader comes
    let read = "";
    for await (const delta of stream) {
      read += delta;
      break;
    }
    const reply = await stream.reply;
    expect(reply.finishReason).toBe("aborted");
    expect(reply.content).toBe(read);
    await manager.close();
  });
});

describe("a stream's reply", () => {
  it("resolves after the turn's hooks have run, as sendMessage returns after them", async () => {
    const events: string[] = [];
    const manager = createSessionManager({
      providers: { mock: { adapter: new MockProvider({ chunkSize: 3 }) } },
      hooks: {
        onMessageSent: (m) => void events.push(`sent:${m.content}`),
        onReplyReceived: (m) => void events.push(`reply:${m.content}`),
      },
    });
    const s = await manager.createSession("u", "mock", "m");
    await s.sendMessage("one");
    expect(events).toEqual(["sent:one", "reply:Echo: one"]);
    events.length = 0;
    await s.streamMessage("two").reply;
    expect(events).toEqual(["sent:two", "reply:Echo: two"]);
    await manager.close();
  });

  it("is whole when an iterator was made and dropped without being read", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { manager } = createTestManager({ mock: { chunkSize: 2, latencyMs: 10 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("a reply awaited whole, never read");
    (() => {
      stream[Symbol.asyncIterator](); // e.g. an isAsyncIterable check: nobody broke off anything
    })();
    for (let i = 0; i < 10; i++) {
      gc();
      await sleep(5);
    }
    expect(await stream.reply).toMatchObject({
      content: "Echo: a reply awaited whole, never read",
      finishReason: "stop",
    });
    await manager.close();
  });
});

describe("a reply whose model is not text, priced by a chain with a built-in price table", () => {
  for (const model of [null, 42]) {
    it(`model ${String(model)}: sendMessage raises ProviderError and keeps the input unanswered`, async () => {
      const manager = createSessionManager({
        providers: {
          x: {
            adapter: answering({ model: model as never }),
            fallback: [{ provider: "openai", model: "gpt-4.1" }],
          },
          openai: "sk-test-not-used",
        },
      });
      const s = await manager.createSession("u", "x", "m");
      const error = await s.sendMessage("one").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      const stored = await s.getMessages();
      expect(stored.map((m) => [m.content, m.metadata.unanswered])).toEqual([["one", true]]);
      await manager.close();
    });
  }
});
