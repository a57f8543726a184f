/**
 * docs/providers.md (Your own provider): events outside the contract fail the turn with a
 * ProviderError naming them, and the reply's fields are checked before storing. A `delta` whose
 * `text` is not a string was not checked: the stream handed `null`/numbers to a reader typed as
 * `AsyncIterable<string>` (process.stdout.write(null) throws), `undefined` is silently dropped,
 * and a cut stream stores the number as text. A common adapter slip: forwarding a Chat
 * Completions chunk's `delta.content`, which is null on the role/tool-call chunks. Such an event
 * now fails the turn with a ProviderError naming it, as an unknown event does.
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import { userStorage } from "./helpers/user-storage.js";
import { ownAdapter, USAGE } from "./helpers/own-adapter.js";

it("a delta event without string text never reaches the reader as a non-string", async () => {
  const adapter = ownAdapter({
    async *streamTurn() {
      yield { type: "delta", text: null as unknown as string }; // chunk.choices[0].delta.content
      yield { type: "delta", text: "Hi" };
      yield { type: "done", reply: { content: "Hi", usage: USAGE } };
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const stream = session.streamMessage("hello");
  const seen: unknown[] = [];
  const failure = await (async () => {
    for await (const delta of stream) seen.push(delta);
  })().catch((e: unknown) => e);
  // Either the malformed event fails the turn as the adapter's fault, or it is never yielded.
  expect(seen.every((d) => typeof d === "string")).toBe(true);
  if (failure !== undefined) expect(failure).toBeInstanceOf(ProviderError);
  // The library's choice: the adapter's fault, named as an unknown event is.
  expect((failure as Error).message).toMatch(/delta event whose text is null/);
  expect(seen).toEqual([]);
  await manager.close();
});

it("a numeric delta on a stream cut afterwards is not stored as the reply's text", async () => {
  const adapter = ownAdapter({
    async *streamTurn() {
      yield { type: "delta", text: 42 as unknown as string };
      throw new Error("connection reset");
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  await session.streamMessage("hello").reply.catch(() => undefined);
  const stored = await session.getMessages();
  expect(stored.map((m) => m.role)).toEqual(["user"]); // no assistant "42"
  await manager.close();
});
