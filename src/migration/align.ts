import type { SessionMessage } from "../types.js";
import { MIGRATION_KEYS } from "./convert-message.js";
import { isObject } from "./v1-values.js";

/**
 * How a V1 session's messages line up with its V2 session's, by message id. V1's
 * `truncate_to_limit` keeps every system message first, then the newest
 * (`system_messages + messages[-(limit - n_system):]`): after a truncation V1's first ids are
 * no longer V2's first ids, and its system messages have moved to the front, also one added
 * after the migration. So after a truncation V1's leading system messages are matched by id
 * wherever V2 has them (those it lacks are new in V1); the rest of what V1 still has must appear
 * in V2 in the same order.
 */
export interface Alignment {
  /**
   * V2 positions of V1's messages that V2 has, in V1 order: the system block (`system` of them,
   * in any order), then the leading rest, increasing.
   */
  positions: number[];
  /** How many leading entries of `positions` are V1's system block (0 unless truncated). */
  system: number;
  /**
   * True when V1 is those shared messages followed only by messages V2 does not have (its
   * system block may hold such messages too), and the shared ones after the system block keep
   * their order in V2.
   */
  ordered: boolean;
}

export function alignById(
  v2: readonly SessionMessage[],
  v1: readonly SessionMessage[],
  truncated: boolean,
): Alignment {
  const index = new Map<string, number>();
  v2.forEach((m, i) => index.set(m.messageId, i));
  const lead = truncated ? leadingSystem(v1) : 0;
  const positions: number[] = [];
  for (const m of v1.slice(0, lead)) {
    const at = index.get(m.messageId);
    if (at !== undefined) positions.push(at);
  }
  const system = positions.length;
  let k = lead;
  for (; k < v1.length; k++) {
    const at = index.get(v1[k]!.messageId);
    if (at === undefined) break;
    if (positions.length > system && at <= positions[positions.length - 1]!) {
      return { positions, system, ordered: false };
    }
    positions.push(at);
  }
  const ordered = v1.slice(k).every((m) => !index.has(m.messageId));
  return { positions, system, ordered };
}

/**
 * Whether a V1 session continues its V2 session: the messages V1 shares with V2 end at V2's
 * last message (V2 holds nothing newer but V1's system block), so V1's other messages can
 * follow. Holds when V2 is empty. Returns the V1 messages V2 lacks, in V1's order, or null.
 * After a truncation those are the system messages V1 gained since (V2 has no place for them
 * but its end: they are newer than all it has), then V1's rest.
 *
 * When a truncation dropped all that V2 has after V1's system block, V1's rest is new and
 * follows V2's end too, as long as that end is still what the migration wrote (V2 has not
 * continued the session).
 */
export function continuation(
  v2: readonly SessionMessage[],
  v1: readonly SessionMessage[],
  truncated: boolean,
): SessionMessage[] | null {
  const a = alignById(v2, v1, truncated);
  if (!a.ordered) return null;
  const have = new Set(v2.map((m) => m.messageId));
  const missing = v1.filter((m) => !have.has(m.messageId));
  const rest = a.positions.slice(a.system);
  if (rest.length === 0) {
    if (v2.length === 0) return missing;
    const untouched = isMigratedMessage(v2[v2.length - 1]!);
    return a.system > 0 && untouched ? missing : null;
  }
  const block = new Set(a.positions.slice(0, a.system));
  for (let at = rest[rest.length - 1]! + 1; at < v2.length; at++) {
    if (!block.has(at)) return null;
  }
  return missing;
}

/**
 * Whether V1's messages sit in V2 in a row: after the system block, each next to the one before
 * (V2 messages of the system block in between do not count: truncation moved them). Before
 * V1's first, V2 may hold only what V1 has dropped since (messages the migration wrote) and the
 * system block: a message written in V2 there was planted.
 */
export function inARow(a: Alignment, v2: readonly SessionMessage[]): boolean {
  const rest = a.positions.slice(a.system);
  const block = new Set(a.positions.slice(0, a.system));
  for (let at = 0; at < (rest[0] ?? 0); at++) {
    if (!block.has(at) && !isMigratedMessage(v2[at]!)) return false;
  }
  return rest.every((at, i) => i === 0 || onlyBlockBetween(rest[i - 1]!, at, block));
}

function onlyBlockBetween(from: number, to: number, block: ReadonlySet<number>): boolean {
  for (let at = from + 1; at < to; at++) if (!block.has(at)) return false;
  return true;
}

/** The highest V2 position V1 is aligned to, or -1. */
export function lastAligned(a: Alignment): number {
  return a.positions.reduce((max, at) => Math.max(max, at), -1);
}

/** How many of V1's messages lead with role system (after a truncation: all it has). */
function leadingSystem(v1: readonly SessionMessage[]): number {
  let n = 0;
  while (n < v1.length && v1[n]!.role === "system") n++;
  return n;
}

/** True for a message the migration wrote (it carries the migration's V1 facts). */
export function isMigratedMessage(m: SessionMessage): boolean {
  return MIGRATION_KEYS.some((k) => {
    const facts = m.metadata[k];
    return isObject(facts) && typeof facts.timestamp === "string";
  });
}
