/**
 * A stream's turn starts when `streamMessage` is called, like `sendMessage`'s: it takes its place
 * in the session's queue then, and runs without a reader (buffering its deltas), so the reply can
 * be awaited alone. Once read, it goes at the reader's pace.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/index.js";
import { createTestManager } from "../src/testing/index.js";

describe("a stream's turn", () => {
  it("runs without a reader: awaiting the reply alone stores and returns it", async () => {
    const { manager } = createTestManager({ mock: { latencyMs: 5, chunkSize: 3 } });
    const s = await manager.createSession("u", "mock", "m");
    const reply = await s.streamMessage("nobody reads me").reply;
    expect(reply).toMatchObject({ content: "Echo: nobody reads me", finishReason: "stop" });
    expect((await s.getMessages()).map((m) => m.content)).toEqual([
      "nobody reads me",
      "Echo: nobody reads me",
    ]);
    await manager.close();
  });

  it("takes its place in the session's queue when called, not when first read", async () => {
    const { manager } = createTestManager({ mock: { latencyMs: 5 } });
    const s = await manager.createSession("u", "mock", "m");
    const first = s.streamMessage("first");
    const second = s.sendMessage("second");
    await second;
    expect((await first.complete()).content).toBe("Echo: first");
    expect((await s.getMessages()).map((m) => m.content)).toEqual([
      "first",
      "Echo: first",
      "second",
      "Echo: second",
    ]);
    await manager.close();
  });

  it("buffers what arrives before the reader comes, and hands it all over", async () => {
    const { manager } = createTestManager({ mock: { chunkSize: 2 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("read late");
    await stream.reply; // the turn ended before anyone read
    let text = "";
    for await (const delta of stream) text += delta;
    expect(text).toBe("Echo: read late");
    await manager.close();
  });

  it("refuses bad input at once, without a reader, storing nothing", async () => {
    const { manager } = createTestManager();
    const s = await manager.createSession("u", "mock", "m");
    await expect(s.streamMessage("").reply).rejects.toBeInstanceOf(ValidationError);
    await expect(s.streamMessage(" ").complete()).rejects.toThrow(/content/);
    expect(await s.getMessages()).toEqual([]);
    await manager.close();
  });
});

describe("a reader dropped without return()", () => {
  it("gives the session back once it is garbage-collected, keeping what was read", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { manager } = createTestManager({ mock: { chunkSize: 4 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("a reply nobody finishes reading");
    const read = await (async () => {
      const reader = stream[Symbol.asyncIterator]();
      return (await reader.next()).value as string; // paced by this reader, which then goes away
    })();
    let settled = false;
    void stream.reply.finally(() => (settled = true));
    for (let i = 0; i < 50 && !settled; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await stream.reply).toMatchObject({ content: read, finishReason: "aborted" });
    expect((await s.sendMessage("next")).content).toBe("Echo: next"); // the turn was released
    await manager.close();
  });
});
