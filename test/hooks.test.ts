import { describe, expect, it } from "vitest";
import { createSessionManager, type Session, type SessionMessage } from "../src/index.js";
import { MockProvider } from "../src/testing/index.js";

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

  it("takes hooks and middleware as class instances, methods and `this` kept", async () => {
    class Audit {
      readonly seen: string[] = [];
      onMessageSent(m: SessionMessage) {
        this.seen.push(m.content);
      }
    }
    class Shout {
      outgoing(m: SessionMessage) {
        return { ...m, content: m.content.toUpperCase() };
      }
    }
    const audit = new Audit();
    const manager = createSessionManager({ hooks: audit, middleware: [new Shout()] });
    const session = await manager.createSession("u", "mock", "m");
    await session.sendMessage("hi");
    expect(audit.seen).toEqual(["HI"]);
    await manager.close();
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

  it("announces an input kept unanswered because incoming middleware failed, sent or streamed", async () => {
    const announced: string[] = [];
    const manager = createSessionManager({
      middleware: [{ incoming: () => Promise.reject(new Error("incoming middleware bug")) }],
      hooks: { onMessageSent: (m) => void announced.push(m.content) },
    });
    const session = await manager.createSession("u", "mock", "m");
    await expect(session.sendMessage("sent")).rejects.toThrow("incoming middleware bug");
    const stream = session.streamMessage("streamed");
    await expect(stream.complete()).rejects.toThrow("incoming middleware bug");
    const stored = await session.getMessages();
    expect(stored.map((m) => [m.content, m.metadata.unanswered])).toEqual([
      ["sent", true],
      ["streamed", true],
    ]);
    expect(announced).toEqual(["sent", "streamed"]);
    await manager.close();
  });

  it("runs a turn's hooks after the turn: a hook may run a turn on the same session and await it", async () => {
    const events: string[] = [];
    const made: { session?: Session } = {}; // the hook needs the session it is made for
    const followUp = async (m: SessionMessage) => {
      events.push(`reply:${m.content}`);
      if (m.content.startsWith("Echo: hi"))
        await made.session!.sendMessage(`follow-up to ${m.content}`);
    };
    const manager = createSessionManager({
      providers: { mock: { adapter: new MockProvider({ latencyMs: 1 }) } },
      hooks: {
        onMessageSent: (m) => void events.push(`sent:${m.content}`),
        onReplyReceived: followUp,
      },
    });
    const session = (made.session = await manager.createSession("u", "mock", "m"));
    await session.sendMessage("hi");
    expect(events).toEqual([
      "sent:hi",
      "reply:Echo: hi",
      "sent:follow-up to Echo: hi",
      "reply:Echo: follow-up to Echo: hi",
    ]);
    events.length = 0;
    await session.streamMessage("hi again").complete();
    await session.sendMessage("x", { metadata: {} }).catch(() => undefined);
    expect(events.slice(0, 3)).toEqual([
      "sent:hi again",
      "reply:Echo: hi again",
      "sent:follow-up to Echo: hi again",
    ]);
    expect((await session.getMessages()).map((m) => m.content)).toEqual([
      "hi",
      "Echo: hi",
      "follow-up to Echo: hi",
      "Echo: follow-up to Echo: hi",
      "hi again",
      "Echo: hi again",
      "follow-up to Echo: hi again",
      "Echo: follow-up to Echo: hi again",
      "x",
      "Echo: x",
    ]);
    await manager.close();
  });
});
