import { ValidationError } from "../errors.js";

/**
 * V1 timestamps are Python `datetime.isoformat()` values: usually naive local time of the host
 * that wrote them (`2024-03-04T09:15:33.033606`, or without the fraction), rarely with an offset.
 * `new Date()` would read a naive value in the *current* machine's zone and keep only
 * milliseconds, so naive values are resolved explicitly in a chosen IANA zone.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$/;

/** The machine's IANA zone, V1's implicit zone when it ran on this machine. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Converts V1 timestamps to instants for one time zone, caching zone offsets per local hour. */
export class V1Clock {
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat;
  // Offsets change at most at a few instants a year: almost every lookup hits this cache.
  readonly #hourOffsets = new Map<string, number>();

  constructor(timeZone: string = localTimeZone()) {
    try {
      this.#format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new ValidationError("timezone", `unknown IANA time zone "${timeZone}"`);
    }
    this.timeZone = timeZone;
  }

  /**
   * Parses a V1 timestamp; returns null when it is not an ISO date-time.
   *
   * ```ts
   * new V1Clock("Europe/Oslo").parse("2024-03-04T09:15:33.033606") // 2024-03-04T08:15:33.033Z
   * ```
   */
  parse(text: string): Date | null {
    const m = ISO.exec(text);
    if (!m) return null;
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
    const ms = m[7] ? Number(`${m[7]}00`.slice(0, 3)) : 0;
    const wall = utcWall(y!, mo!, d!, h!, mi!, s!, ms);
    if (!sameFields(new Date(wall), y!, mo!, d!, h!, mi!, s!)) return null; // e.g. Feb 30
    const zone = m[8];
    if (zone) return new Date(wall - offsetFromSuffix(zone));
    return new Date(wall - this.#wallOffset(text.slice(0, 13), wall - ms));
  }

  /** Offset (ms) to subtract from a wall-clock reading to get UTC, cached per local hour. */
  #wallOffset(hourKey: string, wallSeconds: number): number {
    const cached = this.#hourOffsets.get(hourKey);
    if (cached !== undefined) return cached;
    const offset = this.#resolve(wallSeconds);
    const hourStart = wallSeconds - (wallSeconds % 3_600_000);
    const stable =
      this.#resolve(hourStart) === offset && this.#resolve(hourStart + 3_599_000) === offset;
    if (stable && this.#hourOffsets.size < 100_000) this.#hourOffsets.set(hourKey, offset);
    return offset;
  }

  /**
   * Zone offset for a wall-clock reading. Ambiguous readings (DST fall-back) take the earlier
   * instant and readings in a DST gap the offset from before the gap, as Python's `fold=0` does.
   */
  #resolve(wall: number): number {
    const before = this.#offsetAt(wall - 86_400_000);
    const after = this.#offsetAt(wall + 86_400_000);
    const candidates = before === after ? [before] : [before, after];
    for (const offset of candidates) {
      if (this.#offsetAt(wall - offset) === offset) return offset;
    }
    return before; // in a gap: keep the pre-transition offset
  }

  /** Offset of the zone at a UTC instant, in ms (whole seconds). */
  #offsetAt(utc: number): number {
    const parts = this.#format.formatToParts(new Date(utc));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
    const asUtc = utcWall(
      get("year"),
      get("month"),
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
      0,
    );
    return asUtc - (utc - (((utc % 1000) + 1000) % 1000));
  }
}

/** `Date.UTC` reads years 0-99 as 1900-1999; Python's `datetime.min` is year 1. */
function utcWall(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number {
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  date.setUTCFullYear(y, mo - 1, d);
  return date.getTime();
}

function offsetFromSuffix(zone: string): number {
  if (zone === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const [hh, mm] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4))];
  const rest = zone.split(":")[2];
  return sign * ((hh * 60 + mm) * 60_000 + (rest ? Number(rest) * 1000 : 0));
}

function sameFields(
  date: Date,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
): boolean {
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}
