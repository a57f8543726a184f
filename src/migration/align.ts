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
 */
export function continuesAt(
  v2: readonly SessionMessage[],
  v1: readonly SessionMessage[],
): number | null {
  const { positions, ordered } = alignById(v2, v1);
  if (!ordered) return null;
  const last = positions.length > 0 ? positions[positions.length - 1]! : -1;
  return last === v2.length - 1 ? positions.length : null;
}

/** True for a message the migration wrote (it carries the migration's V1 facts). */
export function isMigratedMessage(m: SessionMessage): boolean {
  return MIGRATION_KEYS.some((k) => {
    const facts = m.metadata[k];
    return isObject(facts) && typeof facts.timestamp === "string";
  });
}
