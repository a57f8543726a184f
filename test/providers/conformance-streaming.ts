import { expect, it } from "vitest";
import { ProviderError } from "../../src/errors.js";
import type { SuiteContext } from "./conformance.js";

/** Streaming: deltas in order, and what is stored when the caller or the server stops a stream. */
export function streamingTests({ server, start }: SuiteContext): void {
  it("streams deltas in order and stores the reply", async () => {
    const session = await start();
    const text = "one two three four five six seven";
    server().enqueue({ kind: "reply", text });
    const deltas: string[] = [];
    const stream = session.streamMessage("stream please");
    for await (const d of stream) deltas.push(d);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(text);
    const reply = await stream.reply;
    expect(reply).toMatchObject({ content: text, role: "assistant" });
    expect(reply.metadata.partial).toBeUndefined();
    const stored = await session.getMessages();
    expect(stored[1]).toMatchObject({ content: text });
    expect((await session.getMetrics()).outputTokens).toBeGreaterThan(0);
  });

  it("stores what arrived, marked aborted, when the caller aborts a stream", async () => {
    const session = await start();
    const text = "a long streamed reply that the caller will not wait for in full";
    server().enqueue({ kind: "reply", text });
    const controller = new AbortController();
    let received = "";
    const stream = session.streamMessage("go", { signal: controller.signal });
    await expect(
      (async () => {
        for await (const d of stream) {
          received += d;
          controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(received.length).toBeGreaterThan(0);
    const stored = await session.getMessages();
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1]).toMatchObject({ finishReason: "aborted", metadata: { partial: true } });
    expect(text.startsWith(stored[1]!.content)).toBe(true);
    expect(stored[1]!.content.length).toBeGreaterThanOrEqual(received.length);
    await session.sendMessage("next"); // the turn was released
  });

  it("stores what arrived, marked aborted, when the caller breaks off the loop", async () => {
    const session = await start();
    server().enqueue({ kind: "reply", text: "a reply long enough to stop reading half way" });
    let received = "";
    const stream = session.streamMessage("go");
    for await (const d of stream) {
      received += d;
      if (received.length >= 8) break;
    }
    const reply = await stream.reply;
    expect(reply).toMatchObject({ content: received, finishReason: "aborted" });
    expect((await session.getMessages())[1]!.metadata.partial).toBe(true);
  });

  it("streams a tool call", async () => {
    const session = await start();
    const call = { id: "call_stream_1", name: "lookup", arguments: '{"q":"x"}' };
    server().enqueue({ kind: "reply", text: "Let me check.", toolCalls: [call] });
    const stream = session.streamMessage("look it up");
    let text = "";
    for await (const d of stream) text += d;
    const reply = await stream.reply;
    expect(text).toBe("Let me check.");
    expect(reply.toolCalls).toEqual([
      { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } },
    ]);
    const answer = await session.sendMessage("found", { role: "tool", toolCallId: call.id });
    expect(answer.role).toBe("assistant");
  });

  it("stores a stream the server cuts as partial and raises ProviderError", async () => {
    const session = await start();
    server().enqueue({ kind: "drop", afterChunks: 3 });
    let received = "";
    const stream = session.streamMessage("cut me off");
    const error = await (async () => {
      try {
        for await (const d of stream) received += d;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
    const stored = await session.getMessages();
    expect(stored[1]).toMatchObject({
      role: "assistant",
      content: received,
      finishReason: "error",
      metadata: { partial: true },
    });
    expect(received.length).toBeGreaterThan(0);
  });
}
