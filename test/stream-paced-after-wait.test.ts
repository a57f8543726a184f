/**
 * KeyedMutex.watch takes a key handed over from its queue (its state then an emptied waiter
 * array, which is truthy) for "someone waits": a stream that got its turn after waiting behind
 * another turn runs ahead at once, though nobody waits. Its reader's pace no longer holds the
 * turn back, and a reader that breaks off finds the whole reply stored instead of what it read.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type MessageStream, type Session } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readOneThenBreak(contended: boolean) {
  const mock = new MockProvider({ chunkSize: 2, latencyMs: 10 });
  const m = createSessionManager({ providers: { mock: { adapter: mock } } });
  const s = await m.createSession("u", "mock", "m");
  // With `contended`, a turn runs first, so the stream waits in the queue for its turn.
  const first = contended ? s.sendMessage("first") : undefined;
  const stream = s.streamMessage("a long story to tell");
  await first;
  const result = await breakOff(s, stream);
  await m.close();
  return result;
}

async function breakOff(s: Session, stream: MessageStream) {
  let read = "";
  for await (const delta of stream) {
    read += delta;
    await sleep(300); // a slow reader: a paced turn waits for it
    break;
  }
  await stream.reply.catch(() => undefined);
  const stored = (await s.getMessages()).at(-1)!;
  return { read, stored };
}

describe("a stream that waited for its turn keeps its reader's pace", () => {
  it("control, uncontended: breaking off stores what was read", async () => {
    const { read, stored } = await readOneThenBreak(false);
    expect([stored.content, stored.finishReason]).toEqual([read, "aborted"]);
  });

  it("after waiting behind another turn: breaking off stores what was read", async () => {
    const { read, stored } = await readOneThenBreak(true);
    expect(read).toBe("Ec");
    // today: ["Echo: a long story to tell", "stop"]: it ran to its end while the reader slept
    expect([stored.content, stored.finishReason]).toEqual([read, "aborted"]);
  });
});
