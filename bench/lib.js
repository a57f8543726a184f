/**
 * Shared helpers for the workloads: timing, floors that do the same work with nothing but the
 * driver (a Map, raw better-sqlite3), and result records. Every figure is reported as a ratio to
 * a floor measured in the same process, because the machines that run this are shared and noisy.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `fn` `rounds` times (after one warm-up) and returns the median duration in ms. */
export async function medianMs(rounds, fn) {
  await fn();
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Runs the library and its floor alternately, `rounds` times each (after `warmUp` rounds for the
 * JIT), so that a burst of noise on the shared machine hits both; returns both medians in ms.
 * `before` runs ahead of each timed call, outside the clock (e.g. a full GC).
 */
export async function paired(rounds, lib, floor, warmUp = 1, before = () => undefined) {
  const a = [];
  const b = [];
  for (let i = 0; i < warmUp; i++) {
    await lib();
    await floor();
  }
  for (let i = 0; i < rounds; i++) {
    before();
    a.push(await clock(lib));
    before();
    b.push(await clock(floor));
  }
  return { libMs: median(a), floorMs: median(b) };
}

async function clock(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * A result line: `ratio` is lib / floor. `limit` is an upper target from the issues (on the ratio
 * when there is a floor, else on the figure); `min` a lower target on the figure.
 */
export function result(workload, backend, measure, { lib, floor, unit, limit, min, note }) {
  const ratio = floor ? round(lib / floor, 2) : null;
  const pass =
    limit !== undefined ? (ratio ?? lib) <= limit : min !== undefined ? lib >= min : null;
  return {
    workload,
    backend,
    measure,
    lib: round(lib, 4),
    floor: round(floor, 4),
    unit,
    ratio,
    limit,
    min,
    pass,
    note,
  };
}

export function round(x, digits) {
  if (x === null || x === undefined) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The mock provider's echo and token estimate, done by hand for the floors. */
export function echoTurn(content) {
  const reply = `Echo: ${content}`;
  return {
    reply,
    inputTokens: Math.ceil(content.length / 4),
    outputTokens: Math.ceil(reply.length / 4),
  };
}

export const newId = randomUUID;

export function gc() {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  globalThis.gc();
  globalThis.gc();
}
