import { expect, it } from "vitest";
import { modelCalls, type SuiteContext } from "./conformance.js";

const bodyText = (ctx: SuiteContext): string =>
  JSON.stringify(modelCalls(ctx.server()).at(-1)!.body);

/**
 * Tool exchanges the transcript does not keep in the API's order (parallel results sent over
 * several turns, a system message in between), the shared finish reasons, and header secrets.
 */
export function toolTests(ctx: SuiteContext): void {
  const { server, start, open } = ctx;
  const calls = [
    { id: "call_par_A", name: "weather", arguments: '{"city":"Oslo"}' },
    { id: "call_par_B", name: "weather", arguments: '{"city":"Rome"}' },
  ];

  it("sends every result of parallel tool calls answered one turn at a time", async () => {
    const session = await start();
    server().enqueue({ kind: "reply", text: "", toolCalls: calls });
    const asked = await session.sendMessage("weather in Oslo and Rome?");
    expect(asked.finishReason).toBe("tool_calls");
    const callsBefore = modelCalls(server()).length;
    // Held: the API refuses a request that answers only some of a message's calls.
    const first = await session.sendMessage("Oslo: 3C", { role: "tool", toolCallId: "call_par_A" });
    expect(first).toMatchObject({ role: "tool", content: "Oslo: 3C", toolCallId: "call_par_A" });
    expect(modelCalls(server())).toHaveLength(callsBefore);
    const answer = await session.sendMessage("Rome: 18C", {
      role: "tool",
      toolCallId: "call_par_B",
    });
    expect(answer.role).toBe("assistant");
    expect(modelCalls(server())).toHaveLength(callsBefore + 1);
    expect(bodyText(ctx)).toContain("Oslo: 3C");
    expect(bodyText(ctx)).toContain("Rome: 18C");
    expect((await session.getMessages()).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "tool",
      "assistant",
    ]);
  });

  it("streams nothing for a held tool result; its reply is the stored result", async () => {
    const session = await start();
    server().enqueue({ kind: "reply", text: "", toolCalls: calls });
    await session.sendMessage("weather in Oslo and Rome?");
    const stream = session.streamMessage("Oslo: 3C", { role: "tool", toolCallId: "call_par_A" });
    const deltas: string[] = [];
    for await (const d of stream) deltas.push(d);
    expect(deltas).toEqual([]);
    expect(await stream.reply).toMatchObject({ role: "tool", toolCallId: "call_par_A" });
    const answer = await session
      .streamMessage("Rome: 18C", { role: "tool", toolCallId: "call_par_B" })
      .complete();
    expect(answer.role).toBe("assistant");
    expect(bodyText(ctx)).toContain("Oslo: 3C");
  });

  it("keeps a tool exchange when a system message was added between call and result", async () => {
    const session = await start();
    server().enqueue({ kind: "reply", text: "", toolCalls: [calls[0]!] });
    await session.sendMessage("weather in Oslo?");
    await session.sendSystemMessage("Answer in French.");
    const answer = await session.sendMessage("Oslo: 3C", {
      role: "tool",
      toolCallId: "call_par_A",
    });
    expect(answer).toMatchObject({ role: "assistant", finishReason: "stop" });
    expect(bodyText(ctx)).toContain("Oslo: 3C");
  });

  it("never shows a credential passed in defaultHeaders", async () => {
    const secret = "hdr-secret-0123456789";
    const session = await start(open({ defaultHeaders: { "x-proxy-token": secret } }));
    server().enqueue({
      kind: "error",
      status: 400,
      message: `bad header x-proxy-token: ${secret}`,
    });
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain(secret);
    expect(JSON.stringify(await session.getMessages())).not.toContain(secret);
  });
}
