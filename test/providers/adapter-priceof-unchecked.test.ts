/**
 * `priceOf` of a user's adapter is used unchecked (the `pricing` option is checked with zod). A
 * price with a misspelt or missing rate (`{ inputs: 0.5, output: 1.5 }` from a JSON config) makes
 * the turn's cost NaN: the memory store (its sync append skips the counter checks) keeps
 * `costUsd: NaN` for good, and SQLite refuses the counters with a ValidationError about
 * `costUsd` that the caller never passed, dropping the input and the billed tokens.
 */
import { expect, it } from "vitest";
import { createSessionManager, memoryStorage, sqliteStorage } from "../../src/index.js";
import type { ModelPrice } from "../../src/index.js";
import { ownAdapter } from "../helpers/own-adapter.js";

const badPrice = () => ({ inputs: 0.5, output: 1.5 }) as unknown as ModelPrice;

it("memory: a priceOf without an input rate does not store costUsd NaN", async () => {
  const manager = createSessionManager({
    storage: memoryStorage(),
    providers: { mine: { adapter: ownAdapter({ priceOf: badPrice }) } },
  });
  const session = await manager.createSession("u", "mine", "m");
  await session.sendMessage("hi").catch(() => undefined);
  const { costUsd } = await session.getMetrics();
  // Either refused up front, or treated as an unknown price (null) — never NaN.
  expect(Number.isNaN(costUsd)).toBe(false);
  await manager.close();
});

it("sqlite: a priceOf without an input rate does not lose the user's message", async () => {
  const manager = createSessionManager({
    storage: sqliteStorage({ dbPath: ":memory:" }),
    providers: { mine: { adapter: ownAdapter({ priceOf: badPrice }) } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const outcome = await session.sendMessage("hi").catch((e: Error) => e);
  if (outcome instanceof Error) expect(outcome.message).not.toMatch(/invalid costUsd/);
  const stored = await session.getMessages();
  expect(stored.map((m) => m.content)[0]).toBe("hi");
  expect((await session.getMetrics()).totalTokens).toBe(7);
  await manager.close();
});

it("a priceOf that throws, or rates so large the cost overflows, leaves the turn unpriced", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => void warnings.push(`${w.code} ${w.message}`);
  process.on("warning", onWarning);
  const manager = createSessionManager({
    providers: {
      throws: {
        adapter: ownAdapter({
          priceOf: () => {
            throw Object.create(null);
          },
        }),
      },
      huge: { adapter: ownAdapter({ priceOf: () => ({ input: 1e308, output: 1e308 }) }) },
      bad: { adapter: ownAdapter({ priceOf: badPrice }) },
    },
  });
  try {
    for (const provider of ["throws", "huge", "bad"]) {
      const session = await manager.createSession("u", provider, `model-${provider}`);
      await session.sendMessage("one");
      await session.sendMessage("two");
      const metrics = await session.getMetrics();
      expect([metrics.costUsd, metrics.unpricedTurns, metrics.totalTokens]).toEqual([null, 2, 14]);
    }
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    // One warning per adapter and model, not one per turn; an overflow is no bad price.
    const about = (model: string) =>
      warnings.filter((w) => w.startsWith("LANGSWARM_INVALID_PRICE") && w.includes(model));
    expect(about("model-throws")).toHaveLength(1);
    expect(about("model-bad")).toHaveLength(1);
    expect(about("model-huge")).toHaveLength(0);
  } finally {
    process.off("warning", onWarning);
    await manager.close();
  }
});
