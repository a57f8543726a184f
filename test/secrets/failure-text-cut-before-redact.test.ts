/**
 * `failureText` (src/providers/provider-failure.ts) turns a thrown plain object into JSON and cuts
 * it at 1000 characters; the text is scrubbed only afterwards (by the `ProviderError` constructor,
 * by `describe` in src/turn-failure.ts, by the LANGSWARM_INVALID_PRICE warning). When the cut
 * falls inside a registered key, what is left is no longer the whole key, so `redact` (which
 * removes a registered key only whole) lets its first characters through: here the first 24
 * characters of a 40-character key reach the error message, the stored `unanswered` message's
 * metadata and the process warning.
 */
import { inspect } from "node:util";
import { afterEach, expect, it } from "vitest";
import {
  createSessionManager,
  type ProviderAdapter,
  type SessionManager,
} from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";

// A Together-style key: not sk-shaped, so only its registration (apiKey) scrubs it.
const KEY = "tgp_v1_Zq8XwV3pL6mN2bR5tY9uK1jH4gF7dS0aQ";
const LEAKED = KEY.slice(0, 24);

/** A parsed error body that quotes the request, the key starting 24 characters before the cut. */
function thrownBody(): Record<string, unknown> {
  const prefix = `{"error":"unauthorized","detail":"`;
  const pad = "x".repeat(1000 - prefix.length - `","headers":{"x-api-key":"`.length - 24);
  const body = { error: "unauthorized", detail: pad, headers: { "x-api-key": KEY } };
  expect(JSON.stringify(body).indexOf(KEY)).toBe(1000 - 24);
  return body;
}

let manager: SessionManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

it("a thrown body cut inside the configured key leaks no part of it (error, stored metadata)", async () => {
  const adapter: ProviderAdapter = ownAdapter({
    sendTurn: async () => {
      throw thrownBody();
    },
  });
  manager = createSessionManager({ providers: { mine: { adapter, apiKey: KEY } } });
  const session = await manager.createSession("u1", "mine", "m");
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "PROVIDER_ERROR" });
  const surfaces = {
    message: (error as Error).message,
    inspect: inspect(error, { depth: 10 }),
    stored: JSON.stringify(await session.getMessages()),
  };
  const leaks = Object.entries(surfaces)
    .filter(([, t]) => t.includes(LEAKED))
    .map(([w]) => w);
  expect(leaks, `surfaces showing ${LEAKED}`).toEqual([]);
});

it("a priceOf that throws such a body leaks no part of the key in LANGSWARM_INVALID_PRICE", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name} ${w.message}`);
  process.on("warning", onWarning);
  try {
    const adapter = ownAdapter({
      priceOf: () => {
        throw thrownBody();
      },
    });
    manager = createSessionManager({ providers: { mine: { adapter, apiKey: KEY } } });
    const session = await manager.createSession("u1", "mine", "m");
    await session.sendMessage("hi");
    await new Promise((r) => setTimeout(r, 20)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", onWarning);
  }
  const warning = warnings.find((w) => w.includes("no valid price"));
  expect(warning).toBeDefined();
  expect(warning).not.toContain(LEAKED);
});

it("control: the same body with the key before the cut is scrubbed", async () => {
  const adapter: ProviderAdapter = ownAdapter({
    sendTurn: async () => {
      throw { error: "unauthorized", headers: { "x-api-key": KEY } };
    },
  });
  manager = createSessionManager({ providers: { mine: { adapter, apiKey: KEY } } });
  const session = await manager.createSession("u1", "mine", "m");
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect((error as Error).message).toContain("[redacted]");
  expect((error as Error).message).not.toContain(LEAKED);
});
