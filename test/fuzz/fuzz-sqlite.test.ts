/**
 * Seeded fuzz of random interleavings of public calls on one SQLite file: two managers share one
 * storage object (one process), a third has a storage object of its own on the file (another
 * process), so provider switches and turns cross processes. See runner.ts and checks.ts.
 *
 * Replay or explore from the shell (not part of the regular run):
 *   FUZZ_SEED=<n> FUZZ_OPS=<n> npx vitest run test/fuzz/fuzz-sqlite.test.ts
 * A failure message names the seed, the first violations and the last operations run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { sqliteStorage } from "../../src/index.js";
import { failureReport } from "./report.js";
import { runFuzz } from "./runner.js";

const seed = Number(process.env.FUZZ_SEED ?? 777);
const ops = Number(process.env.FUZZ_OPS ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "lss-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("random interleavings keep every invariant (sqlite file, two processes)", async () => {
  const open = () => sqliteStorage({ dbPath: join(dir, "s.db") });
  const res = await runFuzz({ seed, ops, makeStorage: open, makeOther: open, reopen: open });
  const report = failureReport("sqlite", res);
  expect(res.unhandled, report).toEqual([]);
  expect(res.violations, report).toEqual([]);
  expect(res.opsRun).toBeGreaterThanOrEqual(ops);
}, 60_000);
