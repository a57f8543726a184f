/**
 * Seeded fuzz of random interleavings of public calls, on the memory backend: two managers share
 * one storage object (one process). See runner.ts for what runs and checks.ts for what is checked.
 *
 * Replay or explore from the shell (not part of the regular run):
 *   FUZZ_SEED=<n> FUZZ_OPS=<n> npx vitest run test/fuzz/fuzz-memory.test.ts
 * A failure message names the seed, the first violations and the last operations run.
 */
import { expect, it } from "vitest";
import { memoryStorage } from "../../src/index.js";
import { failureReport } from "./report.js";
import { runFuzz } from "./runner.js";

const seed = Number(process.env.FUZZ_SEED ?? 12345);
const ops = Number(process.env.FUZZ_OPS ?? 2000);

it("random interleavings keep every invariant (memory)", async () => {
  const res = await runFuzz({ seed, ops, makeStorage: () => memoryStorage() });
  const report = failureReport("memory", res);
  expect(res.unhandled, report).toEqual([]);
  expect(res.violations, report).toEqual([]);
  expect(res.opsRun).toBeGreaterThanOrEqual(ops);
}, 60_000);
