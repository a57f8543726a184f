import { describe, expect, it } from "vitest";
import { openToolCalls, planFrom } from "../src/tool-results.js";
import type { SessionMessage, ToolCall } from "../src/types.js";

const call = (id: string): ToolCall => ({
  id,
  type: "function",
  function: { name: "weather", arguments: "{}" },
});
const msg = (
  role: SessionMessage["role"],
  extra: Partial<SessionMessage> = {},
): SessionMessage => ({
  messageId: Math.random().toString(36),
  sessionId: "s",
  role,
  content: "x",
  timestamp: new Date(0),
  metadata: {},
  ...extra,
});
const asked = (...ids: string[]) => msg("assistant", { content: "", toolCalls: ids.map(call) });
const result = (id: string, content = `r ${id}`) => msg("tool", { toolCallId: id, content });

describe("which tool results wait for their siblings", () => {
  it("holds a result while another call of its message is unanswered", () => {
    expect(planFrom([msg("user"), asked("a", "b", "c")], "a")).toEqual({ hold: true });
    expect(planFrom([asked("a", "b", "c"), result("a")], "b")).toEqual({ hold: true });
  });

  it("sends the last result with the held ones, in the order they were stored", () => {
    const b = result("b");
    const a = result("a");
    expect(planFrom([asked("a", "b", "c"), b, a], "c")).toEqual({
      hold: false,
      earlier: [b, a],
      orphan: false,
    });
  });

  it("sends a result alone when its message asked for one call, or is out of reach", () => {
    expect(planFrom([asked("a")], "a")).toEqual({ hold: false, earlier: [], orphan: false });
    const noCall = [msg("user"), msg("assistant")];
    // Out of reach (older than what was read): sent as it is.
    expect(planFrom(noCall, "gone")).toEqual({ hold: false, earlier: [], orphan: false });
    // Not in the whole transcript (cleared): sent as text.
    expect(planFrom(noCall, "gone", true)).toEqual({ hold: false, earlier: [], orphan: true });
  });

  it("takes the first stored result of a call, and never this call's own earlier ones", () => {
    const first = result("a", "first");
    const again = result("a", "again");
    const failedB = result("b", "failed before");
    const plan = planFrom([asked("a", "b"), first, again, failedB], "b");
    expect(plan).toEqual({ hold: false, earlier: [first], orphan: false });
  });

  it("looks at the newest message that asked for the call", () => {
    const old = [asked("a", "b"), result("a"), result("b"), msg("assistant")];
    expect(planFrom([...old, asked("a", "z")], "a")).toEqual({ hold: true });
  });

  it("finds the open calls of the newest tool-call message", () => {
    expect(openToolCalls([asked("a", "b"), result("a")])).toEqual(["b"]);
    expect(openToolCalls([asked("a", "b"), result("a"), result("b")])).toEqual([]);
    expect(openToolCalls([asked("a"), result("a"), msg("user"), asked("c")])).toEqual(["c"]);
    expect(openToolCalls([msg("user")])).toEqual([]);
  });
});

describe("which calls are open (native state: see closeOpenCalls)", () => {
  it("only those of the model's last reply with no user message since: the turns went on without them", () => {
    expect(openToolCalls([asked("a")])).toEqual(["a"]);
    expect(openToolCalls([asked("a"), msg("system")])).toEqual(["a"]);
    // The turn of that message closed them (even one that failed: it realigned the conversation).
    expect(openToolCalls([asked("a"), msg("user")])).toEqual([]);
    expect(openToolCalls([asked("a"), msg("user"), msg("assistant")])).toEqual([]);
  });

  it("a result for a call a reply or a user message came after is text under native state only", () => {
    for (const closed of [
      [asked("a"), msg("user"), msg("assistant")],
      [asked("a"), msg("user")],
    ]) {
      expect(planFrom(closed, "a", true, true)).toMatchObject({ hold: false, orphan: true });
      expect(planFrom(closed, "a", true, false)).toMatchObject({ hold: false, orphan: false });
    }
  });
});
