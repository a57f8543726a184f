import { afterEach, describe, expect, it } from "vitest";
import { createSessionManager, ValidationError, type SessionManager } from "../src/index.js";
import { windowed } from "../src/history-window.js";
import { MockProvider } from "../src/testing/index.js";
import type { SessionMessage } from "../src/types.js";
import {
  startAnthropicServer,
  type AnthropicFakeServer,
} from "./providers/fake/anthropic-server.js";

// A long conversation with a client-history provider sends its whole transcript every turn, and
// once that passes the model's context every turn fails: the session would be unusable. A window
// in the session's providerConfig bounds what is sent; the transcript is kept whole.

let manager: SessionManager | undefined;
let anthropic: AnthropicFakeServer | undefined;
afterEach(async () => {
  await manager?.close();
  await anthropic?.close();
  manager = anthropic = undefined;
});

function message(role: SessionMessage["role"], content: string, tokenCount?: number) {
  const m: SessionMessage = {
    messageId: `m${Math.random()}`,
    sessionId: "s",
    role,
    content,
    timestamp: new Date(),
    metadata: {},
  };
  if (tokenCount !== undefined) m.tokenCount = tokenCount;
  return m;
}

describe("windowed", () => {
  const history = [
    message("system", "be brief"),
    message("user", "u1"),
    message("assistant", "a1", 50),
    message("system", "now in French"),
    message("user", "u2"),
    message("assistant", "a2", 50),
  ];
  const contents = (ms: SessionMessage[]) => ms.map((m) => m.content);

  it("is the history itself without a window, or when all of it fits", () => {
    expect(windowed(history, {})).toBe(history);
    expect(windowed(history, { maxHistoryMessages: 4 })).toBe(history);
  });

  it("keeps every system message and the newest others, from a user message on", () => {
    expect(contents(windowed(history, { maxHistoryMessages: 2 }))).toEqual([
      "be brief",
      "now in French",
      "u2",
      "a2",
    ]);
    // The newest message alone is a reply: half of an exchange is not sent.
    expect(contents(windowed(history, { maxHistoryMessages: 1 }))).toEqual([
      "be brief",
      "now in French",
    ]);
  });

  it("estimates every message by its bytes, system messages included, never a reported count", () => {
    // systems: ceil(8/3) + ceil(13/3) = 3 + 5; then 1 token for each short message. a1 reports
    // 50 output tokens (a reasoning model's, say), but only its text is sent again.
    expect(contents(windowed(history, { maxHistoryTokens: 10 }))).toEqual([
      "be brief",
      "now in French",
      "u2",
      "a2",
    ]);
    expect(contents(windowed(history, { maxHistoryTokens: 9 }))).toEqual([
      "be brief",
      "now in French",
    ]);
    expect(windowed(history, { maxHistoryTokens: 12 })).toBe(history);
  });

  it("takes the tighter of both limits", () => {
    const both = { maxHistoryMessages: 3, maxHistoryTokens: 10 };
    expect(contents(windowed(history, both))).toEqual(["be brief", "now in French", "u2", "a2"]);
  });

  const call = (id: string) => ({
    id,
    type: "function" as const,
    function: { name: "f", arguments: "{}" },
  });
  const asking = () => {
    const m = message("assistant", "");
    m.toolCalls = [call("c1"), call("c2")];
    return m;
  };
  const result = (id: string, content: string) => {
    const m = message("tool", content);
    m.toolCallId = id;
    return m;
  };

  it("never starts inside a tool exchange", () => {
    const exchange = [
      message("user", "u1"),
      asking(),
      result("c1", "r1"),
      result("c2", "r2"),
      message("assistant", "a1"),
      message("user", "u2"),
      message("assistant", "a2"),
    ];
    expect(contents(windowed(exchange, { maxHistoryMessages: 4 }))).toEqual(["u2", "a2"]);
    expect(windowed(exchange, { maxHistoryMessages: 7 })).toBe(exchange);
  });

  it("always sends the reply whose calls this turn's results answer", () => {
    const open = [message("user", "write the file"), asking()];
    const input = [result("c1", "written"), result("c2", "done")];
    const sent = windowed(open, { maxHistoryTokens: 1 }, input);
    expect(sent).toEqual([open[1]]);
    expect(windowed(open, { maxHistoryTokens: 1 })).toEqual([]);
  });
});

describe("a session with a history window", () => {
  it("sends the provider only the window, and keeps the whole transcript", async () => {
    const mock = new MockProvider({ historyAware: true });
    manager = createSessionManager({ providers: { mock: { adapter: mock } } });
    const session = await manager.createSession("u", "mock", "m", {
      providerConfig: { maxHistoryMessages: 4 },
    });
    await session.sendSystemMessage("be brief");
    for (let i = 0; i < 6; i++) await session.sendMessage(`q${i}`);
    const sent = mock.calls.at(-1)!.history.map((m) => m.content);
    expect(sent).toEqual(["be brief", "q3", "Echo: q3 [after 5]", "q4", "Echo: q4 [after 5]"]);
    expect(await session.getMessages()).toHaveLength(13);
  });

  it("sends Anthropic its system text and the newest turns only", async () => {
    anthropic = await startAnthropicServer();
    manager = createSessionManager({
      providers: { anthropic: { apiKey: "sk-ant-api03-test-0123456789", baseURL: anthropic.url } },
    });
    const session = await manager.createSession("u", "anthropic", "claude-sonnet-5-5", {
      providerConfig: { maxHistoryMessages: 2 },
    });
    await session.sendSystemMessage("be brief");
    for (let i = 0; i < 4; i++) await session.sendMessage(`question ${i}`);
    const body = anthropic.requests.at(-1)!.body as {
      system?: unknown;
      messages: { role: string }[];
    };
    expect(JSON.stringify(body.system)).toContain("be brief");
    expect(body.messages).toHaveLength(3); // the window's 2 messages and the new question
    expect(await session.getMessages()).toHaveLength(9);
  });

  it("is set or changed with switchProvider", async () => {
    const mock = new MockProvider({ historyAware: true });
    manager = createSessionManager({ providers: { mock: { adapter: mock } } });
    const session = await manager.createSession("u", "mock", "m");
    for (let i = 0; i < 3; i++) await session.sendMessage(`q${i}`);
    expect(mock.calls.at(-1)!.history).toHaveLength(4);
    await session.switchProvider("mock", "m", { maxHistoryTokens: 7 });
    await session.sendMessage("q3");
    expect(mock.calls.at(-1)!.history.map((m) => m.content)).toEqual(["q2", "Echo: q2 [after 4]"]);
  });

  it.each([0, -1, 1.5, "10", Number.MAX_VALUE])(
    "refuses a window of %s, naming the field, and stores nothing",
    async (bad) => {
      manager = createSessionManager({ providers: { mock: {} } });
      for (const key of ["maxHistoryMessages", "maxHistoryTokens"]) {
        const made = manager.createSession("u", "mock", "m", { providerConfig: { [key]: bad } });
        await expect(made).rejects.toThrow(ValidationError);
        await expect(made).rejects.toMatchObject({ field: `providerConfig.${key}` });
      }
      expect(await manager.getUserSessions("u")).toHaveLength(0);
      const session = await manager.createSession("u", "mock", "m");
      await expect(
        session.switchProvider("mock", "m2", { maxHistoryMessages: bad }),
      ).rejects.toMatchObject({ field: "providerConfig.maxHistoryMessages" });
      expect((await manager.getSession(session.sessionId)).model).toBe("m");
    },
  );
});
