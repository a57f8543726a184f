import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { memoryStorage, postgresStorage, ProviderError, sqliteStorage } from "../src/index.js";
import type { ProviderAdapter, ProviderReply } from "../src/providers/types.js";
import type { SessionStorage } from "../src/storage/types.js";
import { managersClosedAfterEach } from "./helpers/managers.js";
import { freshDatabase } from "./helpers/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "lss-replies-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = await freshDatabase(inject("postgresUrl"));
let n = 0;
const BACKENDS: Record<string, () => SessionStorage> = {
  memory: () => memoryStorage(),
  sqlite: () => sqliteStorage({ dbPath: join(dir, `${n++}.db`) }),
  postgres: () => postgresStorage({ connectionString: url, schema: `replies_${n++}` }),
};
const USAGE = { inputTokens: 3, outputTokens: 4, cachedTokens: 0, cacheCreationTokens: 0 };
const manager = managersClosedAfterEach();

/** An adapter that answers every turn with `reply`, also as a stream of one delta. */
function answering(reply: Partial<ProviderReply>): ProviderAdapter {
  const full = { content: "", usage: USAGE, finishReason: "stop", ...reply } as ProviderReply;
  return {
    name: "custom",
    historyMode: () => "none",
    sendTurn: async () => full,
    async *streamTurn() {
      yield { type: "delta", text: String(full.content) };
      yield { type: "done", reply: full };
    },
  };
}

describe("a provider reply is stored the same on every backend", () => {
  for (const [backend, storage] of Object.entries(BACKENDS)) {
    it(`${backend}: NUL and lone surrogates in a reply become U+FFFD, flagged; nothing is lost`, async () => {
      const m = manager({
        storage: storage(),
        providers: { x: { adapter: answering({ content: "a\0b\ud800c" }) } },
      });
      const s = await m.createSession("u", "x", "m");
      const sent = await s.sendMessage("one");
      const streamed = await s.streamMessage("two").complete();
      for (const reply of [sent, streamed]) {
        expect(reply.content).toBe("a\ufffdb\ufffdc");
        expect(reply.metadata).toEqual({ textRepaired: true });
      }
      const stored = await s.getMessages();
      expect(stored.map((x) => [x.role, x.content])).toEqual([
        ["user", "one"],
        ["assistant", "a\ufffdb\ufffdc"],
        ["user", "two"],
        ["assistant", "a\ufffdb\ufffdc"],
      ]);
      expect(stored[1]).toEqual(sent);
      expect((await s.getMetrics()).inputTokens).toBe(6);
    });

    it(`${backend}: a reply whose metadata is not JSON fails the turn and keeps the input`, async () => {
      const adapter = answering({ content: "fine", metadata: { at: new Date(0) } });
      const m = manager({ storage: storage(), providers: { x: { adapter } } });
      const s = await m.createSession("u", "x", "m");
      await expect(s.sendMessage("one")).rejects.toThrow(ProviderError);
      await expect(s.streamMessage("two").complete()).rejects.toThrow(ProviderError);
      const stored = await s.getMessages();
      expect(stored.map((x) => [x.role, x.content, x.metadata.unanswered])).toEqual([
        ["user", "one", true],
        ["user", "two", undefined],
        ["assistant", "fine", undefined],
      ]);
      expect(stored[2]!.finishReason).toBe("error");
      // Both turns were billed, and both count it: sent and streamed alike.
      expect((await s.getMetrics()).inputTokens).toBe(6);
    });
  }
});

it("tokens of a reply refused by incoming middleware are priced at the model that answered", async () => {
  const cost = async (failing: boolean) => {
    const m = manager({
      providers: {
        x: {
          adapter: answering({
            content: "r",
            model: "cheap",
            usage: { ...USAGE, inputTokens: 1e6 },
          }),
        },
      },
      pricing: { primary: { input: 10, output: 0 }, cheap: { input: 1, output: 0 } },
      middleware: [
        {
          incoming: (message) => {
            if (failing) throw new Error("incoming middleware failed");
            return message;
          },
        },
      ],
    });
    const s = await m.createSession("u", "x", "primary");
    await s.sendMessage("hi").catch(() => undefined);
    return (await s.getMetrics()).costUsd;
  };
  expect(await cost(false)).toBe(1);
  expect(await cost(true)).toBe(1);
});
