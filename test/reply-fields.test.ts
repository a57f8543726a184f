/**
 * A provider reply whose other fields a storage would refuse (a fractional token count, a
 * providerMessageId with NUL, a null finishReason, tool calls that are not JSON) is the
 * provider's failure, as one without text is: `ProviderError`, the input kept unanswered, the
 * same on every backend. A stream keeps what arrived, marked "error", as for any failed stream.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  createSessionManager,
  memoryStorage,
  postgresStorage,
  ProviderError,
  sqliteStorage,
  type SessionStorage,
} from "../src/index.js";
import type { ProviderAdapter, ProviderReply } from "../src/providers/types.js";
import { freshDatabase } from "./helpers/postgres.js";
import { answering, USAGE } from "./helpers/replies.js";

const dir = mkdtempSync(join(tmpdir(), "lss-reply-fields-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = await freshDatabase(inject("postgresUrl"));
let n = 0;

const BACKENDS: Record<string, { storage: () => SessionStorage; hooks?: object }> = {
  memory: { storage: () => memoryStorage() },
  "memory+hooks": { storage: () => memoryStorage(), hooks: { onReplyReceived: () => undefined } },
  sqlite: { storage: () => sqliteStorage({ dbPath: join(dir, `${n++}.db`) }) },
  postgres: { storage: () => postgresStorage({ connectionString: url, schema: `rf_${n++}` }) },
};

const BAD_REPLIES: Record<string, Partial<ProviderReply>> = {
  "fractional usage": { usage: { ...USAGE, outputTokens: 2.5 } },
  "NUL providerMessageId": { providerMessageId: "msg\0x" },
  "null finishReason": { finishReason: null as never },
  "non-JSON toolCalls": {
    toolCalls: [
      { id: "c", type: "function", function: { name: "f", arguments: new Date(0) as never } },
    ],
  },
};

describe("a reply field the storage refuses", () => {
  for (const [backend, { storage, hooks }] of Object.entries(BACKENDS)) {
    for (const [what, reply] of Object.entries(BAD_REPLIES)) {
      it(`${backend}, ${what}: ProviderError, the input kept unanswered (never lost)`, async () => {
        const m = createSessionManager({
          storage: storage(),
          providers: { x: { adapter: answering(reply) } },
          ...(hooks ? { hooks } : {}),
        });
        try {
          const s = await m.createSession("u", "x", "m");
          const sent = await s.sendMessage("one").then(
            () => null,
            (e: unknown) => e,
          );
          const streamed = await s
            .streamMessage("two")
            .complete()
            .then(
              () => null,
              (e: unknown) => e,
            );
          const stored = await s.getMessages();
          expect(sent).toBeInstanceOf(ProviderError);
          expect((sent as Error).message).toContain(`the reply's ${what.split(" ")[1]}`);
          expect(streamed).toBeInstanceOf(ProviderError);
          expect(stored.map((x) => [x.content, x.metadata.unanswered ?? x.finishReason])).toEqual([
            ["one", true],
            ["two", undefined],
            ["hi", "error"],
          ]);
          expect((await s.getMetrics()).totalMessages).toBe(3);
        } finally {
          await m.close();
        }
      });
    }
  }
});

describe("a streamed usage event with invalid token counts", () => {
  for (const backend of ["memory", "sqlite", "postgres"]) {
    it(`${backend}: is the provider's failure, and what was spent before it still counts`, async () => {
      const adapter: ProviderAdapter = {
        ...answering({}),
        async *streamTurn() {
          yield { type: "usage", usage: USAGE };
          yield { type: "delta", text: "par" };
          yield { type: "usage", usage: { ...USAGE, outputTokens: -1 } };
          yield { type: "delta", text: "tial" };
        },
      };
      const m = createSessionManager({
        storage: BACKENDS[backend]!.storage(),
        providers: { x: { adapter } },
      });
      try {
        const s = await m.createSession("u", "x", "m");
        const failed = await s
          .streamMessage("one")
          .complete()
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(failed).toBeInstanceOf(ProviderError);
        expect((failed as Error).message).toMatch(/usage event has invalid token counts/);
        const stored = await s.getMessages();
        expect(stored.map((x) => [x.content, x.finishReason])).toEqual([
          ["one", undefined],
          ["par", "error"],
        ]);
        expect((await s.getMetrics()).outputTokens).toBe(USAGE.outputTokens);
      } finally {
        await m.close();
      }
    });
  }
});
