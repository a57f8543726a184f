import { setTimeout as sleep } from "node:timers/promises";
import { ConcurrencyError } from "../errors.js";
import type { SessionStorage, TurnLeaseStorage } from "../storage/types.js";

export interface LeaseOptions {
  holder: string;
  ttlMs: number;
  waitMs: number;
  /** Stops the wait: rejects with its reason. */
  signal?: AbortSignal;
}

/**
 * Takes a session's turn lease, waiting with backoff while another process holds it, and keeps
 * it alive with a heartbeat until the returned release function is called.
 */
export async function takeLease(
  storage: SessionStorage & TurnLeaseStorage,
  sessionId: string,
  { holder, ttlMs, waitMs, signal }: LeaseOptions,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  for (let delay = 5; !(await storage.acquireTurnLease(sessionId, holder, ttlMs));) {
    if (Date.now() + delay > deadline) {
      throw new ConcurrencyError(
        `session ${sessionId} is busy with a turn in another process (waited ${waitMs} ms)`,
      );
    }
    await sleep(delay + Math.random() * delay, undefined, { signal }).catch(() => undefined);
    signal?.throwIfAborted();
    delay = Math.min(delay * 2, 200);
  }
  let renewing: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(
    () => {
      // A failed renewal is retried at the next beat; the turn's own writes will surface real
      // outages. A lease lost meanwhile stays lost: the turn's append is fenced on it.
      renewing = ignoring(() => storage.renewTurnLease(sessionId, holder, ttlMs));
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    // A renewal still on its way would take the lease again after the release below.
    await renewing;
    // A release that fails (the database is down) is not the turn's failure: the turn's own
    // outcome, stored or raised, stands, and the lease expires by itself after `ttlMs`.
    await ignoring(() => storage.releaseTurnLease(sessionId, holder));
  };
}

/**
 * Waits for a storage call and ignores its failure (see the callers for why), however it fails:
 * a method that is not `async` (a synchronous driver's) throws rather than rejects, which would
 * escape a `.catch`, from a timer as an uncaught exception.
 */
async function ignoring(call: () => unknown): Promise<void> {
  try {
    await call();
  } catch {
    // ignored
  }
}
