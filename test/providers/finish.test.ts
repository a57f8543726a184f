import { describe, expect, it } from "vitest";
import { withFinishReason } from "../../src/providers/finish.js";
import { ZERO_USAGE } from "../../src/providers/types.js";

const reply = () => ({ content: "", usage: { ...ZERO_USAGE } });

describe("withFinishReason", () => {
  it("maps every provider's reasons to one vocabulary", () => {
    expect(withFinishReason(reply(), "end_turn").finishReason).toBe("stop");
    expect(withFinishReason(reply(), "max_tokens").finishReason).toBe("length");
    expect(withFinishReason(reply(), "tool_use").finishReason).toBe("tool_calls");
    expect(withFinishReason(reply(), "refusal").finishReason).toBe("content_filter");
  });

  it("keeps the raw reason only when it says more than its meaning", () => {
    expect(withFinishReason(reply(), "end_turn").metadata).toBeUndefined();
    expect(withFinishReason(reply(), "tool_use").metadata).toBeUndefined();
    expect(withFinishReason(reply(), "stop_sequence").metadata).toEqual({
      providerFinishReason: "stop_sequence",
    });
    expect(withFinishReason(reply(), "pause_turn").metadata).toEqual({
      providerFinishReason: "pause_turn",
    });
    expect(withFinishReason(reply(), "something_new")).toMatchObject({
      finishReason: "stop",
      metadata: { providerFinishReason: "something_new" },
    });
  });
});
