/**
 * Today's `failureText` (src/providers/provider-failure.ts) writes a thrown plain object out as
 * JSON (before, it read "[object Object]"). An adapter configured as the docs show
 * (`providers: { mine: { adapter } }`, its own key inside it, never registered) that throws its
 * request or config object now puts the key into the `ProviderError` message and the stored
 * unanswered input's `metadata.error.message`, whenever the key is not `sk-`-shaped: the JSON
 * names the field (`apiKey`, `x-api-key`, `password`), but nothing scrubs values by field name,
 * although src/validate.ts already knows these names for `providerConfig`.
 */
import { afterEach, expect, it } from "vitest";
import { createSessionManager, type SessionManager } from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";

const KEY = "tgp_v1_Zq8XwV3pL6mN2bR5tY9uK1jH4gF7dS0aQ"; // Together-shaped: no sk- prefix

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

for (const [label, thrown] of [
  ["its config", { status: 401, config: { baseURL: "https://api.together.xyz/v1", apiKey: KEY } }],
  ["its request headers", { status: 401, request: { headers: { "x-api-key": KEY } } }],
] as const) {
  it(`an adapter that throws ${label} as a plain object does not get the key stored or thrown`, async () => {
    const adapter = ownAdapter({
      sendTurn: async () => {
        throw thrown;
      },
    });
    manager = createSessionManager({ providers: { mine: { adapter } } });
    const session = await manager.createSession("u1", "mine", "m");
    const error = await session.sendMessage("hi").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PROVIDER_ERROR" });
    expect((error as Error).message, "error.message").not.toContain(KEY);
    expect(JSON.stringify(await session.getMessages()), "stored metadata.error").not.toContain(KEY);
  });
}
