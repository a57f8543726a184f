/**
 * Seeded fuzz of random interleavings of public calls on Postgres (the run's embedded server, see
 * test/postgres-setup.ts): two managers share one storage object (one process), a third has a
 * pool of its own on the same schema (another process). See runner.ts and checks.ts.
 *
 * Replay or explore from the shell (not part of the regular run):
 *   FUZZ_SEED=<n> FUZZ_OPS=<n> npx vitest run test/fuzz/fuzz-postgres.test.ts
 * A failure message names the seed, the first violations and the last operations run.
 */
import { expect, inject, it } from "vitest";
import { postgresStorage } from "../../src/index.js";
import { freshDatabase } from "../helpers/postgres.js";
import { failureReport } from "./report.js";
import { runFuzz } from "./runner.js";

const seed = Number(process.env.FUZZ_SEED ?? 4242);
const ops = Number(process.env.FUZZ_OPS ?? 500);
// A database of this file's own, so test files can run in parallel on the one server.
const url = await freshDatabase(inject("postgresUrl"));

it("random interleavings keep every invariant (postgres, two processes)", async () => {
  const open = () => postgresStorage({ connectionString: url, schema: "fuzz" });
  const res = await runFuzz({ seed, ops, makeStorage: open, makeOther: open, reopen: open });
  const report = failureReport("postgres", res);
  expect(res.unhandled, report).toEqual([]);
  expect(res.violations, report).toEqual([]);
  expect(res.opsRun).toBeGreaterThanOrEqual(ops);
}, 60_000);
