import type { SessionMessage } from "../types.js";
import { MIGRATION_KEYS, isObject } from "./convert-message.js";

/**
 * How a V1 session's messages line up with its V2 session's, by message id. V1's
 * `truncate_to_limit` drops its oldest messages, so after a truncation V1's first ids are no
 * longer V2's first ids; what V1 still has must appear in V2 in the same order.
 */
export interface Alignment {
  /** V2 positions of V1's leading messages that V2 has, one per message, increasing. */
  positions: number[];
  /**
   * True when V1 is those shared messages followed only by messages V2 does not have, and the
   * shared ones keep their order in V2. False when V2 reordered or dropped some of them.
   */
  ordered: boolean;
}

export function alignById(v2: readonly SessionMessage[], v1: readonly SessionMessage[]): Alignment {
  const index = new Map<string, number>();
  v2.forEach((m, i) => index.set(m.messageId, i));
  const positions: number[] = [];
  let k = 0;
  for (; k < v1.length; k++) {
    const at = index.get(v1[k]!.messageId);
    if (at === undefined) break;
    if (positions.length > 0 && at <= positions[positions.length - 1]!) {
      return { positions, ordered: false };
    }
    positions.push(at);
  }
  const ordered = v1.slice(k).every((m) => !index.has(m.messageId));
  return { positions, ordered };
}

/**
 * Whether a V1 session continues its V2 session: the messages V1 shares with V2 end at V2's
 * last message (V2 holds nothing newer), so V1's remaining messages can follow. Holds when V2
 * is empty. Returns how many leading V1 messages V2 already has, or null.
 *
 * `truncate_to_limit` keeps every system message first, then the newest: when it dropped all
 * that V2 has after V1's leading system messages, V1's rest is new and follows V2's end too, as
 * long as that end is still what the migration wrote (V2 has not continued the session).
 */
export function continuesAt(
  v2: readonly SessionMessage[],
  v1: readonly SessionMessage[],
  truncated: boolean,
): number | null {
  const { positions, ordered } = alignById(v2, v1);
  if (!ordered) return null;
  const last = positions.length > 0 ? positions[positions.length - 1]! : -1;
  if (last === v2.length - 1) return positions.length;
  const system = truncated ? leadingSystem(v1) : 0;
  const untouched = v2.length > 0 && isMigratedMessage(v2[v2.length - 1]!);
  return system > 0 && positions.length === system && untouched ? system : null;
}

/**
 * Whether V1's messages sit in V2 in a row, where they are (`positions`): after a truncation,
 * with one gap allowed right after V1's leading system messages (see `continuesAt`).
 */
export function inARow(
  positions: readonly number[],
  v1: readonly SessionMessage[],
  truncated: boolean,
): boolean {
  const gapAt = truncated ? leadingSystem(v1) : 0;
  return positions.every((at, i) => i === 0 || at === positions[i - 1]! + 1 || i === gapAt);
}

/** How many of V1's messages lead with role system. */
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
