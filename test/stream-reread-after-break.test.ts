/**
 * After a reader breaks off mid-turn, the stored reply is exactly what it read ("aborted"); but
 * iterating the stream again (a second `for await`, or `complete()`) yields the deltas that were
 * buffered ahead of the first reader, which are in no stored message, and ends without error.
 * The stream then shows text the session does not have.
 */
import { describe, expect, it } from "vitest";
import { createTestManager } from "../src/testing/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a stream read again after its reader broke off mid-turn", () => {
  it("yields nothing beyond the stored (read) text", async () => {
    const { manager } = createTestManager({ mock: { chunkSize: 2, latencyMs: 10 } });
    const s = await manager.createSession("u", "mock", "m");
    const stream = s.streamMessage("abcdefghijklmnopqrstuvwxyz0123456789");
    await sleep(45); // a few deltas buffer before the reader comes; the turn is still running
    let first = "";
    for await (const d of stream) {
      first += d;
      break;
    }
    const reply = await stream.reply;
    expect(reply.finishReason).toBe("aborted");
    expect(reply.content).toBe(first);
    let again = "";
    for await (const d of stream) again += d;
    // Today: again === "ho: ab" (text never stored), reply.content === "Ec".
    expect(first + again).toBe(reply.content);
    await manager.close();
  });
});
