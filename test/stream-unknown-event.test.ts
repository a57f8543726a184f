/**
 * An adapter's stream that yields an event of a type the library does not know (a keep-alive
 * `{ type: "ping" }`, a `{ type: "tool_call_delta" }`, a misspelt `{ type: "Delta" }`) is taken as
 * the final `done` event (stream-turn.ts: every type but delta/usage/fallback falls into the
 * `done` branch), so the turn fails with "the reply has no text content" — a misleading error
 * that sends the adapter's author looking at their final reply, which is fine.
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../src/index.js";
import type { ProviderStreamEvent } from "../src/index.js";
import { ownAdapter, USAGE } from "./helpers/own-adapter.js";

it("an unknown stream event type is named in the error, not reported as a reply without text", async () => {
  const adapter = ownAdapter({
    async *streamTurn() {
      yield { type: "delta", text: "Hel" };
      yield { type: "ping" } as unknown as ProviderStreamEvent;
      yield { type: "delta", text: "lo" };
      yield { type: "done", reply: { content: "Hello", usage: USAGE } };
    },
  });
  const manager = createSessionManager({ providers: { mine: { adapter } } });
  const session = await manager.createSession("u", "mine", "m");
  const outcome = await session
    .streamMessage("hi")
    .complete()
    .catch((e: unknown) => e);
  if (outcome instanceof ProviderError) {
    // Refusing it is fine, as long as the error says what was wrong.
    expect(outcome.message).not.toMatch(/no text content/);
    expect(outcome.message).toMatch(/ping|unknown|event/i);
  } else {
    // Or skipping it: the reply is the done event's.
    expect((outcome as { content: string }).content).toBe("Hello");
  }
  await manager.close();
});
