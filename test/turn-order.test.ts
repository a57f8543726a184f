import { describe, expect, it } from "vitest";
import { MockProvider } from "../src/testing/index.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const createSessionManager = managersClosedAfterEach();
function make(extra: Record<string, unknown> = {}) {
  const a = new MockProvider();
  const b = new MockProvider({ reply: (t) => `B: ${t.input.at(-1)!.content}` });
  const m = createSessionManager({
    providers: { mock: { adapter: a }, other: { adapter: b } },
    ...extra,
  });
  return m;
}
const identity = { outgoing: (m: unknown) => m };

describe("turn order across operations", () => {
  it("with outgoing middleware, a clearMessages called after sendMessage clears its turn", async () => {
    const m = make({ middleware: [identity] });
    const s = await m.createSession("u", "mock", "m");
    const sent = s.sendMessage("before the clear");
    const cleared = s.clearMessages();
    await Promise.all([sent, cleared]);
    expect((await s.getMessages()).map((x) => x.content)).toEqual([]);
  });

  it("with outgoing middleware, a sendMessage called before switchProvider is answered by the old provider", async () => {
    const m = make({ middleware: [identity] });
    const s = await m.createSession("u", "mock", "m");
    const sent = s.sendMessage("hi");
    const switched = s.switchProvider("other", "m2");
    const [reply] = await Promise.all([sent, switched]);
    expect(reply.content).toBe("Echo: hi");
  });

  it("a stream consumed at once keeps its place before a sendMessage called after it", async () => {
    const m = make();
    const s = await m.createSession("u", "mock", "m");
    const streamed = s.streamMessage("first").complete();
    const sent = s.sendMessage("second");
    await Promise.all([streamed, sent]);
    expect((await s.getMessages()).map((x) => x.content)).toEqual([
      "first",
      "Echo: first",
      "second",
      "Echo: second",
    ]);
  });

  it("a stream consumed at once runs before a clearMessages called after it", async () => {
    const m = make();
    const s = await m.createSession("u", "mock", "m");
    const streamed = s.streamMessage("first").complete();
    const cleared = s.clearMessages();
    await Promise.all([streamed, cleared]);
    expect(await s.getMessages()).toEqual([]);
  });
});
