import type {
  ProviderAdapter,
  ProviderReply,
  ProviderTurnInput,
} from "../../src/providers/types.js";

/** A mock that replies with two parallel tool calls when asked "call tools", else echoes. */
export function toolAdapter(): ProviderAdapter & { calls: ProviderTurnInput[] } {
  const calls: ProviderTurnInput[] = [];
  const usage = { inputTokens: 3, outputTokens: 2, cachedTokens: 0, cacheCreationTokens: 0 };
  const reply = (turn: ProviderTurnInput): ProviderReply => {
    const last = turn.input[turn.input.length - 1]!;
    if (last.content === "call tools")
      return {
        content: "",
        usage,
        finishReason: "tool_calls",
        toolCalls: [
          { id: "c1", type: "function", function: { name: "a", arguments: "{}" } },
          { id: "c2", type: "function", function: { name: "b", arguments: "{}" } },
        ],
      };
    return {
      content: `Echo: ${turn.input.map((m) => m.content).join("+")}`,
      usage,
      finishReason: "stop",
    };
  };
  return {
    name: "mock",
    calls,
    historyMode: () => "none",
    sendTurn(turn) {
      calls.push(turn);
      return reply(turn);
    },
    async *streamTurn(turn) {
      calls.push(turn);
      const r = reply(turn);
      if (r.content) yield { type: "delta", text: r.content };
      yield { type: "done", reply: r };
    },
  };
}
