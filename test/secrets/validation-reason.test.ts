/**
 * `SessionError` scrubs its `message`, but `ValidationError` keeps the unscrubbed `reason` (and
 * `field`) as own enumerable properties. So a key that reached a validated value is "[redacted]"
 * in `error.message` and in clear text in `error.reason`, which `JSON.stringify(error)` (what
 * structured loggers such as pino serialise) and `util.inspect(error)` / `console.error(error)`
 * print.
 *
 * Realistic trigger: arguments swapped in `createSession`, so the configured key is passed as the
 * provider name (`"<key>" is not configured`).
 */
import { inspect } from "node:util";
import { afterEach, expect, it } from "vitest";
import { createSessionManager, ValidationError, type SessionManager } from "../../src/index.js";

const KEY = "sk-proj-reasonLeak0123456789abcdef";
let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

it("a ValidationError whose reason quotes a configured key does not keep the key anywhere", async () => {
  manager = createSessionManager({ providers: { openai: KEY } });
  // Swapped arguments: the key where the provider name goes.
  const error = await manager.createSession("u1", KEY, "gpt-4o").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).not.toContain(KEY); // the message is scrubbed...
  const leaks = {
    reason: String((error as ValidationError).reason),
    json: JSON.stringify(error),
    inspect: inspect(error, { depth: 10 }),
  };
  // ...but the same error object still carries it.
  for (const [where, text] of Object.entries(leaks)) {
    expect(text, `${where} contains the key`).not.toContain(KEY);
  }
});
