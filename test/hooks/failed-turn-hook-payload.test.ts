/**
 * A failed turn keeps its input, marked `metadata.unanswered` (README "Nothing lost"), and
 * announces it with onMessageSent, which runs after what it announces is stored: the hook gets
 * the message as stored, marked, so that it can tell it was kept unanswered.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type SessionMessage } from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";

function setup(
  middleware: Parameters<typeof createSessionManager>[0] extends infer O
    ? O extends { middleware?: infer M }
      ? M
      : never
    : never = [],
) {
  const mock = new MockProvider();
  const sent: SessionMessage[] = [];
  const manager = createSessionManager({
    providers: { mock: { adapter: mock } },
    middleware,
    hooks: { onMessageSent: (m) => void sent.push(structuredClone(m)) },
  });
  return { mock, sent, manager };
}

describe("onMessageSent for an input kept unanswered gets the message as stored", () => {
  it("sendMessage whose provider call fails", async () => {
    const { mock, sent, manager } = setup();
    const session = await manager.createSession("u", "mock", "m");
    mock.failNext(1, { status: 400 });
    await expect(session.sendMessage("lost?")).rejects.toThrow("injected failure");
    const [stored] = await session.getMessages();
    expect(stored!.metadata.unanswered).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.metadata.unanswered).toBe(true);
    expect(sent[0]).toEqual(stored);
    await manager.close();
  });

  it("streamMessage whose provider fails before any text", async () => {
    const { mock, sent, manager } = setup();
    const session = await manager.createSession("u", "mock", "m");
    mock.failNext(1, { status: 400 });
    await expect(session.streamMessage("lost?").complete()).rejects.toThrow("injected failure");
    const [stored] = await session.getMessages();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual(stored);
    await manager.close();
  });

  it("sendMessage whose incoming middleware throws", async () => {
    const { sent, manager } = setup([
      {
        incoming: () => {
          throw new Error("incoming bug");
        },
      },
    ]);
    const session = await manager.createSession("u", "mock", "m");
    await expect(session.sendMessage("lost?")).rejects.toThrow("incoming bug");
    const [stored] = await session.getMessages();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual(stored);
    await manager.close();
  });
});
