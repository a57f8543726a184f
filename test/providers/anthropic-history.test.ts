import { describe, expect, it } from "vitest";
import { toAnthropicHistory } from "../../src/providers/anthropic-history.js";
import type { MessageRole, SessionMessage, ToolCall } from "../../src/types.js";
import { checkRequest } from "./fake/anthropic-checks.js";
import { textMessage, textTranscripts } from "./text-transcripts.js";

let seq = 0;
const msg = (role: MessageRole, content: string, extra: Partial<SessionMessage> = {}) =>
  ({
    messageId: `m${++seq}`,
    sessionId: "s",
    role,
    content,
    timestamp: new Date(),
    metadata: {},
    ...extra,
  }) as SessionMessage;
const call = (id: string, args = '{"q":1}'): ToolCall => ({
  id,
  type: "function",
  function: { name: "lookup", arguments: args },
});

/** The converted history must be a request the fake (the real API's rules) accepts. */
function accepted(stored: SessionMessage[]) {
  const history = toAnthropicHistory(stored);
  const body = { model: "claude-sonnet-5-5", max_tokens: 10, ...history };
  expect(checkRequest(body, "2026-10-21")).toBeNull();
  return history;
}

describe("toAnthropicHistory", () => {
  it("joins system messages from anywhere into the top-level system, in order", () => {
    const h = accepted([
      msg("system", "First rule."),
      msg("user", "hi"),
      msg("assistant", "hello"),
      msg("system", "Second rule."),
      msg("user", "again"),
    ]);
    expect(h.system).toBe("First rule.\n\nSecond rule.");
    expect(h.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("merges consecutive same-role messages and opens with a user turn", () => {
    const h = accepted([
      msg("assistant", "Welcome back"),
      msg("assistant", "Anything else?"),
      msg("user", "unanswered question"),
      msg("user", "asked again"),
    ]);
    expect(h.system).toBeUndefined();
    expect(h.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(h.messages[1]!.content).toEqual([
      { type: "text", text: "Welcome back" },
      { type: "text", text: "Anything else?" },
    ]);
    expect(h.messages[2]!.content).toHaveLength(2);
  });

  it("keeps a parallel call's result sent a turn later, as text, and ends on the user", () => {
    // Moving the late result up beside its call (as Chat Completions needs) would leave the
    // model's own reply last, which the Messages API reads as a prefill to continue.
    const h = accepted([
      msg("user", "weather in Oslo and Rome?"),
      msg("assistant", "", { toolCalls: [call("a"), call("b")] }),
      msg("tool", "Oslo: 3C", { toolCallId: "a" }),
      msg("assistant", "Oslo is cold."),
      msg("tool", "Rome: 18C", { toolCallId: "b" }),
    ]);
    expect(h.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(h.messages[4]!.content).toEqual([{ type: "text", text: "Tool result: Rome: 18C" }]);
  });

  it("groups consecutive tool results in one user turn, before any text", () => {
    const h = accepted([
      msg("user", "two lookups"),
      msg("assistant", "", { toolCalls: [call("toolu_a"), call("toolu_b", '{"q":2}')] }),
      msg("tool", "A", { toolCallId: "toolu_a" }),
      msg("user", "and also"),
      msg("tool", "B", { toolCallId: "toolu_b" }),
    ]);
    expect(h.messages[1]!.content).toEqual([
      { type: "tool_use", id: "toolu_a", name: "lookup", input: { q: 1 } },
      { type: "tool_use", id: "toolu_b", name: "lookup", input: { q: 2 } },
    ]);
    const last = h.messages[2]!.content as { type: string }[];
    expect(last.map((b) => b.type)).toEqual(["tool_result", "tool_result", "text"]);
  });

  it("drops tool calls nobody answered and sends orphan results as text without the id", () => {
    const h = accepted([
      msg("user", "q"),
      msg("assistant", "Checking", { toolCalls: [call("toolu_unanswered")] }),
      msg("user", "never mind"),
      msg("assistant", "ok"),
      msg("tool", "late result", { toolCallId: "toolu_unanswered" }),
      msg("function", "legacy output"),
      msg("tool", "no id at all"),
    ]);
    const body = JSON.stringify(h);
    expect(body).not.toContain("toolu_unanswered");
    expect(h.messages[1]!.content).toEqual([{ type: "text", text: "Checking" }]);
    expect(body).toContain("Tool result: late result");
    expect(body).toContain("Tool result: legacy output");
  });

  it("removes an assistant turn left empty and merges the user turns around it", () => {
    const h = accepted([
      msg("user", "a"),
      msg("assistant", "", { toolCalls: [call("toolu_x")] }),
      msg("user", "b"),
    ]);
    expect(h.messages).toHaveLength(1);
    expect(h.messages[0]!.content).toEqual([
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ]);
  });

  it("keeps one result per call and wraps malformed or non-object arguments", () => {
    const h = accepted([
      msg("user", "q"),
      msg("assistant", "", { toolCalls: [call("toolu_1", "not json"), call("toolu_2", "[1]")] }),
      msg("tool", "r1", { toolCallId: "toolu_1" }),
      msg("tool", "r1 again", { toolCallId: "toolu_1" }),
      msg("tool", "r2", { toolCallId: "toolu_2" }),
    ]);
    const uses = h.messages[1]!.content as { input: unknown }[];
    expect(uses.map((u) => u.input)).toEqual([{ arguments: "not json" }, { arguments: "[1]" }]);
    const results = (h.messages[2]!.content as { type: string }[]).map((b) => b.type);
    expect(results).toEqual(["tool_result", "tool_result", "text"]);
  });

  it("skips empty messages, which the API refuses", () => {
    const h = accepted([msg("user", ""), msg("assistant", ""), msg("user", "real")]);
    expect(h.messages).toEqual([{ role: "user", content: [{ type: "text", text: "real" }] }]);
  });

  it("converts text-only transcripts (its one-pass path) as the general conversion does", () => {
    // An empty legacy `function` message adds nothing, but sends the transcript the general way.
    const general = textMessage("function", "");
    for (const stored of textTranscripts(4)) {
      expect(toAnthropicHistory(stored)).toEqual(toAnthropicHistory([...stored, general]));
    }
  });
});

// The API's pattern for tool ids is ^[a-zA-Z0-9_-]+$ (400 "String should match pattern"); ids
// minted by other providers (Kimi's `functions.lookup:0`) or V1 data may not fit it.
describe("tool ids from other providers", () => {
  const ids = (h: ReturnType<typeof toAnthropicHistory>) =>
    h.messages.flatMap((m) =>
      (m.content as { type: string; id?: string; tool_use_id?: string }[]).flatMap((b) =>
        b.type === "tool_use" ? [b.id] : b.type === "tool_result" ? [b.tool_use_id] : [],
      ),
    );

  it("are sent in the API's alphabet, the same for a call and its result", () => {
    const h = accepted([
      msg("user", "look"),
      msg("assistant", "", { toolCalls: [call("functions.lookup:0"), call("call 7/ü")] }),
      msg("tool", "42", { toolCallId: "functions.lookup:0" }),
      msg("tool", "43", { toolCallId: "call 7/ü" }),
    ]);
    const [use0, use1, result0, result1] = ids(h);
    expect(use0).toMatch(/^functions_lookup_0_[\w-]{10}$/);
    expect(result0).toBe(use0);
    expect(result1).toBe(use1);
    expect(use1).not.toBe(use0);
  });

  it("never merges two ids that sanitise alike, and leaves valid ids as they are", () => {
    const h = accepted([
      msg("user", "look"),
      msg("assistant", "", { toolCalls: [call("a.b"), call("a:b"), call("toolu_01-x")] }),
      msg("tool", "1", { toolCallId: "a.b" }),
      msg("tool", "2", { toolCallId: "a:b" }),
      msg("tool", "3", { toolCallId: "toolu_01-x" }),
    ]);
    const [ab, aColonB, valid] = ids(h);
    expect(ab).not.toBe(aColonB);
    expect(valid).toBe("toolu_01-x");
    expect(ids(h).slice(3)).toEqual([ab, aColonB, valid]);
  });
});

describe("the fake's request checks (the real API's 400s)", () => {
  const base = { model: "claude-sonnet-5-5", max_tokens: 10 };
  const user = (content: unknown) => ({ role: "user", content });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "temperature",
      { ...base, temperature: 1, messages: [user("hi")] },
      /temperature: Extra inputs/,
    ],
    ["top_p", { ...base, top_p: 0.5, messages: [user("hi")] }, /top_p: Extra inputs/],
    ["top_k", { ...base, top_k: 5, messages: [user("hi")] }, /top_k: Extra inputs/],
    ["no max_tokens", { model: "m", messages: [user("hi")] }, /max_tokens: Field required/],
    [
      "metadata keys",
      { ...base, metadata: { topic: "x" }, messages: [user("hi")] },
      /metadata\.topic/,
    ],
    [
      "system role first",
      { ...base, messages: [{ role: "system", content: "s" }] },
      /top-level 'system'/,
    ],
    [
      "system role later",
      { ...base, messages: [user("a"), { role: "system", content: "s" }, user("b")] },
      /not supported/,
    ],
    [
      "assistant first",
      { ...base, messages: [{ role: "assistant", content: "a" }, user("b")] },
      /first message/,
    ],
    ["same role twice", { ...base, messages: [user("a"), user("b")] }, /alternate/],
    ["prefill", { ...base, messages: [user("a"), { role: "assistant", content: "b" }] }, /prefill/],
    ["empty text", { ...base, messages: [user([{ type: "text", text: "" }])] }, /non-empty/],
    [
      "orphan tool_result",
      {
        ...base,
        messages: [user([{ type: "tool_result", tool_use_id: "toolu_9", content: "r" }])],
      },
      /unexpected `tool_use_id`/,
    ],
    [
      "unanswered tool_use",
      {
        ...base,
        messages: [
          user("a"),
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "toolu_1", name: "f", input: {} }],
          },
          user("b"),
        ],
      },
      /without `tool_result`/,
    ],
  ];
  const lookup = { type: "tool_use", id: "functions.lookup:0", name: "f", input: {} };
  cases.push([
    "a tool id outside the pattern",
    {
      ...base,
      messages: [
        user("a"),
        { role: "assistant", content: [lookup] },
        user([{ type: "tool_result", tool_use_id: "functions.lookup:0", content: "r" }]),
      ],
    },
    /messages\.1\.content\.0\.tool_use\.id: String should match pattern/,
  ]);
  it.each(cases)("refuses %s", (_name, body, message) => {
    expect(checkRequest(body, "2026-10-21")).toMatch(message);
  });

  it("accepts sampling fields under the old API version only", () => {
    const body = { ...base, temperature: 0.5, messages: [user("hi")] };
    expect(checkRequest(body, "2023-06-01")).toBeNull();
    expect(checkRequest(body, "2026-10-21")).not.toBeNull();
  });
});
