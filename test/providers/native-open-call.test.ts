import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { readToEnd } from "../helpers/replies.js";
import { modelCalls } from "./conformance.js";
import { startOpenAIServer, type OpenAIFakeServer } from "./fake/openai-server.js";
import type { Json } from "./fake/openai-wire.js";

const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
const NO_RESULT = "No result: the user sent a new message instead.";

// The model asks for a tool and the user writes again instead of answering (an interrupted tool
// run). The conversation holds the call, and the API (and the fake) refuse every later request
// with 400 "No tool output found for function call …"; client-side history just leaves the call
// out. Native state now answers the open calls with "no result" in the same request.
describe("openai native state: a new message while tool calls are open", () => {
  let server: OpenAIFakeServer;
  let manager: SessionManager;

  beforeEach(async () => {
    server = await startOpenAIServer();
    manager = createSessionManager({
      providers: { openai: { apiKey: "sk-test-openai-0123456789abcdef", baseURL: server.url } },
    });
  });
  afterEach(async () => {
    await manager.close();
    await server.close();
  });

  const lastInput = () => (modelCalls(server).at(-1)!.body as { input: Json[] }).input;
  const asking = async (ids: string[], config: Record<string, unknown> = {}) => {
    const s = await manager.createSession("u", "openai", "gpt-4o-mini", {
      providerConfig: { tools, ...config },
    });
    const toolCalls = ids.map((id) => ({ id, name: "lookup", arguments: "{}" }));
    server.enqueue({ kind: "reply", text: "", toolCalls });
    await s.sendMessage("look it up");
    return s;
  };

  it("is answered, the open call closed with no result in the same request", async () => {
    const s = await asking(["call_1"]);
    const reply = await s.sendMessage("never mind, just say hi");
    expect(reply.content).toBe("Echo: never mind, just say hi");
    expect(lastInput()).toEqual([
      { type: "function_call_output", call_id: "call_1", output: NO_RESULT },
      { type: "message", role: "user", content: "never mind, just say hi" },
    ]);
    // Closed once: the next turn sends only its input, and the session can move again.
    await s.sendMessage("and again");
    expect(lastInput()).toEqual([{ type: "message", role: "user", content: "and again" }]);
    await s.switchProvider("openai", "gpt-4o-mini");
  });

  // The server took the request (its outputs and a new call are in the conversation) but the
  // caller gave up before any answer: the conversation starts afresh from the transcript, where
  // the stored input closed the call, so neither it nor the new one is left open.
  it("a closing turn given up on before any answer leaves the session working", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      for (const giveUp of ["stream", "timeout"] as const) {
        // Seconds: the turn given up on by its timeout waits 0.3 s for an answer.
        const s = await asking(["call_1"], giveUp === "timeout" ? { timeout: 0.1 } : {});
        const before = s.providerSessionId;
        const toolCalls = [{ id: "call_2", name: "lookup", arguments: "{}" }];
        server.enqueue({ kind: "reply", delayMs: 300, toolCalls });
        if (giveUp === "stream") {
          const ac = new AbortController();
          setTimeout(() => ac.abort(), 100);
          await expect(
            s.streamMessage("never mind", { signal: ac.signal }).reply,
          ).rejects.toThrow();
        } else {
          await expect(s.sendMessage("never mind")).rejects.toThrow();
        }
        await new Promise((resolve) => setTimeout(resolve, 400)); // the server finishes it
        expect(s.providerSessionId).not.toBe(before);
        expect((await s.sendMessage("again")).content).toBe("Echo: again");
        expect(lastInput()).toEqual([{ type: "message", role: "user", content: "again" }]);
        await s.switchProvider("openai", "gpt-4o-mini");
      }
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  // The server answers (with a tool call its conversation keeps) a request the caller gave up on:
  // the transcript has the input alone, so the conversation starts afresh from it.
  it("a turn given up on whose answer the conversation kept anyway leaves the session working", async () => {
    for (const giveUp of ["abort", "timeout"] as const) {
      const s = await manager.createSession("u", "openai", "gpt-4o-mini", {
        providerConfig: { tools, ...(giveUp === "timeout" ? { timeout: 0.1 } : {}) },
      });
      const before = s.providerSessionId;
      const toolCalls = [{ id: "call_late", name: "lookup", arguments: "{}" }];
      server.enqueue({ kind: "reply", delayMs: 300, toolCalls });
      const ac = new AbortController();
      if (giveUp === "abort") setTimeout(() => ac.abort(), 100);
      await expect(s.sendMessage("look it up", { signal: ac.signal })).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 400)); // the server finishes it
      expect(s.providerSessionId).not.toBe(before);
      expect((await s.sendMessage("again")).content).toBe("Echo: again");
    }
  });

  it("is answered when streamed too", async () => {
    const s = await asking(["call_1"]);
    const stream = s.streamMessage("never mind");
    const { read, error } = await readToEnd(stream);
    expect({ read, error }).toEqual({ read: "Echo: never mind", error: undefined });
    expect(lastInput()[0]).toMatchObject({ type: "function_call_output", call_id: "call_1" });
  });

  it("sends a held result of a parallel call, and closes only the unanswered one", async () => {
    const s = await asking(["call_a", "call_b"]);
    await s.sendMessage("result a", { role: "tool", toolCallId: "call_a" }); // held for call_b
    expect(modelCalls(server)).toHaveLength(1);
    await s.sendMessage("forget b");
    expect(lastInput()).toEqual([
      { type: "function_call_output", call_id: "call_b", output: NO_RESULT },
      { type: "function_call_output", call_id: "call_a", output: "result a" },
      { type: "message", role: "user", content: "forget b" },
    ]);
  });

  it("sends a result that comes after the call was closed as text, as client history does", async () => {
    const s = await asking(["call_1"]);
    await s.sendMessage("never mind");
    const late = await s.sendMessage("42", { role: "tool", toolCallId: "call_1" });
    expect(late.role).toBe("assistant");
    expect(lastInput()).toEqual([{ type: "message", role: "user", content: "Tool result: 42" }]);
    // Stored as it was given.
    expect((await s.getMessages()).at(-2)).toMatchObject({ role: "tool", toolCallId: "call_1" });
  });

  it("leaves a turn that answers the calls as it was", async () => {
    const s = await asking(["call_1"]);
    await s.sendMessage("42", { role: "tool", toolCallId: "call_1" });
    expect(lastInput()).toEqual([
      { type: "function_call_output", call_id: "call_1", output: "42" },
    ]);
  });

  // The turn that sends a result fails: the result is stored (unanswered), and whether the
  // conversation kept it cannot be told, so it is rebuilt from the transcript, which has it.
  const failing = (status: number) => Array(3).fill({ kind: "error", status }); // with retries
  const outputs = (s: { providerSessionId: string | null }) =>
    server.conversations
      .get(s.providerSessionId!)!
      .items.filter((i) => (i as { type?: string }).type === "function_call_output");

  it("after a failed turn that sent a result, a new message is accepted", async () => {
    const s = await asking(["call_1"]);
    server.enqueue(...failing(500));
    await expect(s.sendMessage("42", { role: "tool", toolCallId: "call_1" })).rejects.toThrow(
      /500/,
    );
    expect(outputs(s)).toEqual([expect.objectContaining({ call_id: "call_1", output: "42" })]);
    expect((await s.sendMessage("anything else?")).role).toBe("assistant");
  });

  it("after a failed turn that sent a result, sending it again is accepted (as text)", async () => {
    const s = await asking(["call_1"]);
    server.enqueue(...failing(503));
    await expect(s.sendMessage("42", { role: "tool", toolCallId: "call_1" })).rejects.toThrow();
    expect((await s.sendMessage("42", { role: "tool", toolCallId: "call_1" })).role).toBe(
      "assistant",
    );
    expect(lastInput()).toEqual([{ type: "message", role: "user", content: "Tool result: 42" }]);
    expect(outputs(s)).toHaveLength(1);
  });
});
