import { describe, expect, it } from "vitest";
import { createSessionManager, type SessionMessage } from "../src/index.js";

describe("lifecycle hooks and middleware", () => {
  it("calls every hook once, in order, with the stored data", async () => {
    const events: string[] = [];
    const manager = createSessionManager({
      hooks: {
        onSessionCreated: (id) => void events.push(`created:${id.length}`),
        onMessageSent: (m) => void events.push(`sent:${m.content}`),
        onReplyReceived: (m) => void events.push(`reply:${m.content}`),
        onSessionArchived: () => void events.push("archived"),
        onSessionDeleted: () => void events.push("deleted"),
      },
    });
    const session = await manager.createSession("u", "mock", "m");
    await session.sendMessage("hi");
    await manager.archiveSession(session.sessionId);
    await manager.deleteSession(session.sessionId);
    expect(events).toEqual(["created:36", "sent:hi", "reply:Echo: hi", "archived", "deleted"]);
  });

  it("lets middleware rewrite the outgoing message and the incoming reply before they are stored", async () => {
    const seen: SessionMessage[] = [];
    const manager = createSessionManager({
      middleware: [
        { outgoing: (m) => ({ ...m, content: m.content.replace(/\d{4}-\d{4}/g, "[card]") }) },
        {
          incoming: (m) => {
            seen.push(m);
            return {
              ...m,
              content: m.content.toUpperCase(),
              metadata: { ...m.metadata, reviewed: true },
            };
          },
        },
      ],
    });
    const session = await manager.createSession("u", "mock", "m");
    const reply = await session.sendMessage("pay with 1234-5678");
    expect(seen[0]!.content).toBe("Echo: pay with [card]");
    expect(reply.content).toBe("ECHO: PAY WITH [CARD]");
    const stored = await session.getMessages();
    expect(stored.map((m) => m.content)).toEqual(["pay with [card]", "ECHO: PAY WITH [CARD]"]);
    expect(stored[1]!.metadata).toEqual({ reviewed: true });
  });
});
