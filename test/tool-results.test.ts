import { describe, expect, it } from "vitest";
import { planFrom } from "../src/tool-results.js";
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
    expect(planFrom([asked("a", "b", "c"), b, a], "c")).toEqual({ hold: false, earlier: [b, a] });
  });

  it("sends a result alone when its message asked for one call, or is out of reach", () => {
    expect(planFrom([asked("a")], "a")).toEqual({ hold: false, earlier: [] });
    expect(planFrom([msg("user"), msg("assistant")], "gone")).toEqual({ hold: false, earlier: [] });
  });

  it("takes the first stored result of a call, and never this call's own earlier ones", () => {
    const first = result("a", "first");
    const again = result("a", "again");
    const failedB = result("b", "failed before");
    const plan = planFrom([asked("a", "b"), first, again, failedB], "b");
    expect(plan).toEqual({ hold: false, earlier: [first] });
  });

  it("looks at the newest message that asked for the call", () => {
    const old = [asked("a", "b"), result("a"), result("b"), msg("assistant")];
    expect(planFrom([...old, asked("a", "z")], "a")).toEqual({ hold: true });
  });
});
