/**
 * Seeded random numbers for the fuzz: every choice it makes comes from here, so one seed replays
 * one run (up to timer races, which the checker tolerates by design).
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  /** One entry of `table`, each as likely as its weight. */
  weighted<T>(table: readonly (readonly [T, number])[]): T;
}

/** mulberry32: tiny and good enough to spread operations; not for anything cryptographic. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const weighted = <T>(table: readonly (readonly [T, number])[]): T => {
    const total = table.reduce((sum, [, w]) => sum + w, 0);
    let x = next() * total;
    for (const [value, w] of table) if ((x -= w) < 0) return value;
    return table[0]![0]; // only reached through rounding at the very top
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick,
    chance: (p) => next() < p,
    weighted,
  };
}
