import { describe, expect, it } from "vitest";
import { StorageError } from "../src/index.js";
import type { ProviderAdapter, ProviderReply } from "../src/providers/types.js";
import { managersClosedAfterEach } from "./helpers/managers.js";

const createSessionManager = managersClosedAfterEach();
const usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheCreationTokens: 0 };
const within = <T>(p: Promise<T>, ms = 1000) =>
  Promise.race([p, new Promise<never>((_, r) => setTimeout(() => r(new Error("HANG")), ms))]);

type Step =
  | "historyMode"
  | "sendTurn"
  | "streamTurn"
  | "addSystemMessage"
  | "createProviderSession"
  | "deleteProviderSession";
function adapter(fail: Set<string>, mode: "none" | "client" | "native"): ProviderAdapter {
  const boom = (what: string) => {
    if (fail.has(what)) throw new Error(`sync ${what}`);
  };
  return {
    name: "p",
    historyMode: () => (boom("historyMode"), mode),
    sendTurn: (t): ProviderReply => (
      boom("sendTurn"),
      { content: `ok ${t.input.at(-1)!.content}`, usage }
    ),
    streamTurn: (() => {
      boom("streamTurn");
      return (async function* () {
        yield { type: "done" as const, reply: { content: "streamed", usage } };
      })();
    }) as never,
    addSystemMessage: (() => (boom("addSystemMessage"), Promise.resolve())) as never,
    createProviderSession: (() => (
      boom("createProviderSession"),
      Promise.resolve("ps_" + Math.random())
    )) as never,
    deleteProviderSession: (() => (boom("deleteProviderSession"), Promise.resolve())) as never,
  };
}

describe("no turn is left held after a synchronous throw", () => {
  for (const mode of ["none", "client", "native"] as const) {
    it(`adapter steps throwing synchronously (${mode})`, async () => {
      const fail = new Set<string>();
      const m = createSessionManager({ providers: { p: { adapter: adapter(fail, mode) } } });
      const s = await m.createSession("u", "p", "m");
      const ops: [Step, () => Promise<unknown>][] = [
        ["historyMode", () => s.sendMessage("x")],
        ["historyMode", () => s.streamMessage("x").complete()],
        ["sendTurn", () => s.sendMessage("x")],
        ["streamTurn", () => s.streamMessage("x").complete()],
        ["addSystemMessage", () => s.sendSystemMessage("x")],
        ["createProviderSession", () => s.clearMessages()],
        ["createProviderSession", () => s.switchProvider("p", "m2")],
        ["deleteProviderSession", () => s.switchProvider("p", "m3")],
      ];
      for (const [step, op] of ops) {
        fail.add(step);
        await within(op().catch(() => undefined));
        fail.clear();
        expect((await within(s.sendMessage("after " + step))).content).toBe(`ok after ${step}`);
      }
    });
  }

  it("storage methods throwing synchronously", async () => {
    const m = createSessionManager({ providers: { p: { adapter: adapter(new Set(), "client") } } });
    const s = await m.createSession("u", "p", "m");
    const storage = m.storage as unknown as Record<string, unknown>;
    for (const method of [
      "getMessages",
      "appendMessages",
      "appendTurnSync",
      "getSession",
      "updateSession",
      "clearMessages",
    ]) {
      const original = storage[method];
      storage[method] = () => {
        throw new StorageError("memory", "down");
      };
      await within(s.sendMessage("x").catch(() => undefined));
      await within(
        s
          .streamMessage("x")
          .complete()
          .catch(() => undefined),
      );
      await within(s.sendSystemMessage("x").catch(() => undefined));
      await within(s.clearMessages().catch(() => undefined));
      await within(s.switchProvider("p", "m").catch(() => undefined));
      storage[method] = original;
      expect((await within(s.sendMessage("after " + method))).content).toBe(`ok after ${method}`);
    }
  });
});
