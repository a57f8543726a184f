import type { PoolClient } from "pg";
import type { SessionMessage } from "../types.js";
import { validateCounters } from "./checks.js";
import { isConnectionLoss, isUniqueViolation, OutcomeUnknown } from "./postgres-connection.js";
import { appendValues, run } from "./postgres-statements.js";
import type { MessageRow, PostgresStatements } from "./postgres-statements.js";
import { leaseLost, notFound, providerMoved, validateMessages } from "./record.js";
import type { TurnCounters } from "./types.js";

type OnConnection = <T>(fn: (c: PoolClient) => Promise<T>) => Promise<T>;

/**
 * The Postgres backend's `appendMessages`: one statement per turn (see `appendSql`), retried once
 * on a lost connection, with the message ids telling whether a statement sent before the loss
 * was committed. `client` runs on a pooled connection; `retried` does, and again once if it is
 * lost; `unknownKey` tells an id no session can have (see `isStorableKey`).
 */
export function appendTurn(on: {
  client: OnConnection;
  retried: OnConnection;
  sql: PostgresStatements;
  unknownKey: (id: string) => boolean;
}) {
  const { client, retried, sql, unknownKey } = on;
  /** True if every message is stored with this role and content (after an unknown outcome). */
  const isStored = async (id: string, messages: readonly SessionMessage[]): Promise<boolean> => {
    const ids = messages.map((m) => m.messageId);
    const found = await retried((c) => run<MessageRow>(c, sql.storedMessages, [id, ids])).catch(
      (error: unknown) => {
        throw new OutcomeUnknown("the connection was lost while the messages were written", error);
      },
    );
    const byId = new Map(found.rows.map((r) => [r.message_id, r]));
    return messages.every((m) => {
      const r = byId.get(m.messageId);
      return r?.role === m.role && r.content === m.content;
    });
  };

  /** Whether the session the turn knows is there (why a fenced-on-provider append wrote nothing). */
  const isKnown = async (id: string, counters: TurnCounters): Promise<boolean> => {
    const known = [counters.known?.createdAt.getTime() ?? null, counters.known?.userId ?? null];
    return (await retried((c) => run(c, sql.sessionKnown, [id, ...known]))).rowCount !== 0;
  };

  return async (
    id: string,
    messages: readonly SessionMessage[],
    counters: TurnCounters | undefined,
  ): Promise<void> => {
    validateMessages(messages);
    validateCounters(counters);
    if (unknownKey(id)) notFound(id);
    const values = appendValues(id, messages, counters);
    for (let attempt = 1; ; attempt++) {
      let sent = false;
      try {
        const { rows } = await client((c) => {
          sent = true;
          const statement = counters?.leaseHolder === undefined ? sql.append : sql.appendFenced;
          return run<{ found: number; present?: boolean; leased?: boolean }>(c, statement, values);
        });
        if (rows[0]?.found === 1) return;
        if (rows[0]?.present && !rows[0].leased) leaseLost(id);
        return counters?.ranOn && (await isKnown(id, counters)) ? providerMoved(id) : notFound(id);
      } catch (error) {
        const lost = isConnectionLoss(error);
        // A statement sent on a connection that was then lost may have committed: the message
        // ids tell. A retry may also collide with such a commit still in flight.
        const maybeStored = sent && (lost || (attempt > 1 && isUniqueViolation(error)));
        if (maybeStored && (await isStored(id, messages))) return;
        if (lost && attempt === 1) continue;
        throw lost && sent ? new OutcomeUnknown("the connection was lost twice", error) : error;
      }
    }
  };
}
