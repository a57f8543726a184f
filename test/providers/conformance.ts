import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SessionNotFoundError } from "../../src/errors.js";
import { createSessionManager, type SessionManager } from "../../src/manager.js";
import { MockProvider } from "../../src/providers/mock.js";
import type { CommonManagerOptions, StorageChoice } from "../../src/config.js";

type OpenOptions = Partial<CommonManagerOptions> & StorageChoice;
import type { Session } from "../../src/session.js";
import { failureTests } from "./conformance-failures.js";
import { streamingTests } from "./conformance-streaming.js";
import { toolTests } from "./conformance-tools.js";
import type { FakeServer, ProviderHarness, RecordedRequest } from "./fake/types.js";

/** Requests that asked the model for a reply (every provider's model call names a model). */
export function modelCalls(server: FakeServer): RecordedRequest[] {
  return server.requests.filter(
    (r) => r.method === "POST" && typeof (r.body as { model?: unknown } | null)?.model === "string",
  );
}

/** What the suite's test groups share: the harness, the current fake and manager factories. */
export interface SuiteContext {
  harness: ProviderHarness;
  server(): FakeServer;
  apiKey(): string;
  open(extra?: Record<string, unknown>, options?: OpenOptions): SessionManager;
  start(m?: SessionManager, model?: string): Promise<Session>;
}

const bodyText = (r: RecordedRequest | undefined): string => JSON.stringify(r?.body ?? null);
const lastCall = (server: FakeServer): RecordedRequest => modelCalls(server).at(-1)!;

/**
 * One provider suite, run against every provider through `createSessionManager` and the
 * provider's fake server. Provider differences come from the harness (`nativeState`), never from
 * the provider's name.
 */
export function describeProviderConformance(h: ProviderHarness): void {
  describe(`provider suite: ${h.name}`, () => {
    let server: FakeServer;
    let manager: SessionManager | undefined;
    let apiKey: string;

    /** A manager whose `h.provider` points at the fake; `extra` overrides provider options. */
    const open = (
      extra: Record<string, unknown> = {},
      options: OpenOptions = {},
    ): SessionManager => {
      manager = createSessionManager({
        ...options,
        providers: {
          [h.provider]: { ...h.providerOptions(server), ...extra },
          ...options.providers,
        },
      });
      return manager;
    };
    const start = (m: SessionManager = open(), model = h.model): Promise<Session> =>
      m.createSession("user-1", h.provider, model);

    beforeEach(async () => {
      server = await h.startServer();
      apiKey = String(h.providerOptions(server).apiKey);
    });
    afterEach(async () => {
      await manager?.close();
      manager = undefined;
      await server.close();
    });

    const context: SuiteContext = {
      harness: h,
      server: () => server,
      apiKey: () => apiKey,
      open,
      start,
    };
    streamingTests(context);
    failureTests(context);
    toolTests(context);

    it("sends a message and stores both sides", async () => {
      const session = await start();
      const reply = await session.sendMessage("Hello there");
      expect(reply).toMatchObject({ role: "assistant", content: "Echo: Hello there" });
      expect(reply.tokenCount).toBeGreaterThan(0);
      const stored = await session.getMessages();
      expect(stored.map((m) => [m.role, m.content])).toEqual([
        ["user", "Hello there"],
        ["assistant", "Echo: Hello there"],
      ]);
      expect(modelCalls(server)).toHaveLength(1);
      expect(session.providerSessionId === null).toBe(!h.nativeState);
    });

    it(`sends ${h.nativeState ? "only the new input" : "the whole history"} on the second turn`, async () => {
      const session = await start();
      await session.sendMessage("first-turn-text");
      const reply = await session.sendMessage("second-turn-text");
      expect(reply.content).toBe("Echo: second-turn-text");
      const body = bodyText(lastCall(server));
      expect(body).toContain("second-turn-text");
      expect(body.includes("first-turn-text")).toBe(!h.nativeState);
      expect(body.includes("Echo: first-turn-text")).toBe(!h.nativeState);
      expect(await session.getMessages()).toHaveLength(4);
    });

    it("delivers a system message to the model", async () => {
      const session = await start();
      await session.sendSystemMessage("Answer like a pirate SYSMARK");
      const before = server.requests.length;
      await session.sendMessage("hi");
      const seen = h.nativeState
        ? server.requests.some((r) => bodyText(r).includes("SYSMARK"))
        : bodyText(lastCall(server)).includes("SYSMARK");
      expect(seen).toBe(true);
      expect(server.requests.length).toBeGreaterThan(before);
      const roles = (await session.getMessages()).map((m) => m.role);
      expect(roles).toEqual(["system", "user", "assistant"]);
    });

    it("clearMessages empties the transcript and the model's context", async () => {
      const session = await start();
      await session.sendMessage("before-clear");
      const oldId = session.providerSessionId;
      await session.clearMessages();
      expect(await session.getMessages()).toEqual([]);
      if (h.nativeState) expect(session.providerSessionId).not.toBe(oldId);
      await session.sendMessage("after-clear");
      expect(bodyText(lastCall(server))).not.toContain("before-clear");
      expect(await session.getMessages()).toHaveLength(2);
    });

    it("deleteSession removes the session", async () => {
      const m = open();
      const session = await start(m);
      await session.sendMessage("hi");
      expect(await m.deleteSession(session.sessionId)).toBe(true);
      await expect(m.getSession(session.sessionId)).rejects.toThrow(SessionNotFoundError);
    });

    it("round-trips tool calls and sends results back in the API's format", async () => {
      const session = await start();
      const call = { id: "call_weather_1", name: "get_weather", arguments: '{"city":"Oslo"}' };
      server.enqueue({ kind: "reply", text: "", toolCalls: [call] });
      const asked = await session.sendMessage("weather in Oslo?");
      expect(asked.toolCalls).toEqual([
        { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } },
      ]);
      const answer = await session.sendMessage('{"tempC":7}', {
        role: "tool",
        toolCallId: call.id,
      });
      expect(answer.role).toBe("assistant");
      const body = bodyText(lastCall(server));
      expect(body).toContain(call.id);
      expect(body).toContain("tempC");
      const stored = await session.getMessages();
      expect(stored[1]!.toolCalls?.[0]?.id).toBe(call.id);
      expect(stored[2]).toMatchObject({ role: "tool", toolCallId: call.id });
    });

    it("leaves out stored tool messages this API cannot accept", async () => {
      const m = open();
      const session = await start(m);
      await session.sendMessage("first");
      // A tool result whose call is not in the history (written by another provider or V1).
      await m.storage.addMessage(session.sessionId, {
        messageId: "msg-orphan",
        sessionId: session.sessionId,
        role: "tool",
        content: "orphan result",
        toolCallId: "call_orphan",
        timestamp: new Date(),
        metadata: {},
      });
      const reply = await session.sendMessage("second");
      expect(reply.content).toBe("Echo: second");
      expect(bodyText(lastCall(server))).not.toContain("call_orphan");
    });

    it("records usage and cost from the pricing table, and null cost for an unknown model", async () => {
      const m = open({}, { pricing: { [h.model]: { input: 1, output: 2 } } });
      const session = await start(m);
      server.enqueue({ kind: "reply", text: "priced", usage: { input: 1000, output: 500 } });
      await session.sendMessage("count me");
      const metrics = await session.getMetrics();
      expect(metrics).toMatchObject({ inputTokens: 1000, outputTokens: 500, totalTokens: 1500 });
      expect(metrics.costUsd).toBeCloseTo((1000 * 1 + 500 * 2) / 1e6, 12);
      const unknown = await start(m, "no-such-model-2099");
      await unknown.sendMessage("hi");
      expect(await unknown.getMetrics()).toMatchObject({ costUsd: null, unpricedTurns: 1 });
    });

    it("keeps the key out of stored data and provider metadata", async () => {
      const m = open();
      const session = await start(m);
      await session.sendMessage("hi");
      const meta = await session.providerSession.getProviderMetadata();
      const record = await m.storage.getSession(session.sessionId);
      const dump = JSON.stringify([meta, record, await session.getMessages()]);
      expect(dump).not.toContain(apiKey);
      expect(meta).toMatchObject({ provider: h.provider, model: h.model });
    });

    it("carries the history across a provider switch, both ways", async () => {
      const mock = new MockProvider({ historyAware: true });
      const m = open({}, { providers: { mock: { adapter: mock } } });
      const session = await start(m);
      await session.sendMessage("carried-text");
      await session.switchProvider("mock", "mock-model");
      expect((await session.sendMessage("on mock")).content).toBe("Echo: on mock [after 2]");
      const before = server.requests.length;
      await session.switchProvider(h.provider, h.model);
      const reply = await session.sendMessage("back again");
      expect(reply.content).toBe("Echo: back again");
      const sent = server.requests.slice(before).map(bodyText).join("\n");
      expect(sent).toContain("carried-text");
      expect(sent).toContain("Echo: on mock [after 2]");
      expect(await session.getMessages()).toHaveLength(6);
    });

    it("works on sqlite storage across a reopen", async () => {
      const dir = mkdtempSync(join(tmpdir(), "provider-suite-"));
      try {
        const options = {
          storage: "sqlite" as const,
          storageConfig: { dbPath: join(dir, "s.db") },
        };
        const first = open({}, options);
        const session = await start(first);
        await session.sendMessage("persisted-text");
        await first.close();
        const second = open({}, options);
        const again = await second.getSession(session.sessionId);
        expect(again.providerSessionId).toBe(session.providerSessionId);
        expect((await again.sendMessage("again")).content).toBe("Echo: again");
        expect(bodyText(lastCall(server)).includes("persisted-text")).toBe(!h.nativeState);
        expect(await again.getMessages()).toHaveLength(4);
      } finally {
        await manager?.close();
        manager = undefined;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
