/**
 * "A provider's reply is never refused for its text" (README, Guarantees): incoming middleware
 * output is checked for what storage cannot keep, not by the rules for what a caller sends (not
 * blank, at most maxMessageBytes), so a pass-through middleware changes nothing.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type SessionMessage } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";

const passThrough = { incoming: (m: SessionMessage) => m };

async function turn(replyText: string, middleware: (typeof passThrough)[], stream: boolean) {
  const manager = createSessionManager({
    maxMessageBytes: 1000,
    providers: { mock: { adapter: new MockProvider({ reply: () => replyText }) } },
    middleware,
  });
  const session = await manager.createSession("u", "mock", "m");
  const outcome = await (
    stream ? session.streamMessage("hi").complete() : session.sendMessage("hi")
  ).then(
    (reply) => ({ ok: true, content: reply.content }),
    (error: Error) => ({ ok: false, content: error.message }),
  );
  const stored = (await session.getMessages()).map((m) => [
    m.role,
    m.content,
    m.metadata.unanswered ?? false,
  ]);
  await manager.close();
  return { outcome, stored };
}

describe("a pass-through incoming middleware does not refuse a reply stored without it", () => {
  for (const stream of [false, true]) {
    const how = stream ? "streamMessage" : "sendMessage";
    for (const [label, text] of [
      ["a reply larger than maxMessageBytes", "y".repeat(2000)],
      ["a whitespace-only reply", " \n"],
    ] as const) {
      it(`${how}: ${label}`, async () => {
        const without = await turn(text, [], stream);
        expect(without.outcome).toEqual({ ok: true, content: text }); // stored without middleware
        const withIt = await turn(text, [passThrough], stream);
        expect(withIt.outcome).toEqual(without.outcome);
        expect(withIt.stored).toEqual(without.stored);
      });
    }
  }
});
