/**
 * sendMessage returns the stored reply (role "assistant"). A hook gets a copy of the message it
 * announces: one that edits its argument changes neither what the call returns nor the store.
 */
import { describe, expect, it } from "vitest";
import { createSessionManager, type SessionMessage } from "../../src/index.js";
import { toolAdapter } from "./helpers.js";

const vandal = (m: SessionMessage) => {
  m.content = "changed by a hook";
  (m as { role: string }).role = "user";
  m.metadata.touched = true;
};

describe("a hook editing its argument does not change what the call returns", () => {
  it("sendMessage, onReplyReceived", async () => {
    const manager = createSessionManager({ hooks: { onReplyReceived: vandal } });
    const session = await manager.createSession("u", "mock", "m");
    const reply = await session.sendMessage("hi");
    const stored = await session.getMessages();
    expect(stored[1]!.content).toBe("Echo: hi");
    expect(reply).toEqual(stored[1]);
    expect(reply.role).toBe("assistant");
    await manager.close();
  });

  it("streamMessage, onReplyReceived", async () => {
    const manager = createSessionManager({ hooks: { onReplyReceived: vandal } });
    const session = await manager.createSession("u", "mock", "m");
    const reply = await session.streamMessage("hi").complete();
    const stored = await session.getMessages();
    expect(reply).toEqual(stored[1]);
    await manager.close();
  });

  it("a held tool result, onMessageSent", async () => {
    const manager = createSessionManager({
      providers: { mock: { adapter: toolAdapter() } },
      hooks: { onMessageSent: vandal },
    });
    const session = await manager.createSession("u", "mock", "m");
    await session.sendMessage("call tools");
    const held = await session.sendMessage("result 1", { role: "tool", toolCallId: "c1" });
    const stored = await session.getMessages();
    expect(stored[2]!.content).toBe("result 1");
    expect(held).toEqual(stored[2]);
    await manager.close();
  });
});
