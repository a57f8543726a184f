import { setImmediate as nextTurn } from "node:timers/promises";

/** How often a long run lets the event loop turn, in ms. */
const TURN_EVERY_MS = 50;

/**
 * What a run does between sessions: throw the signal's reason once it is aborted. A run on a
 * SQLite target never waits for I/O, so it also lets the event loop turn now and then: else a
 * Ctrl+C, or a timer that aborts, would be seen only once the run was over.
 *
 * ```ts
 * const checkpoint = checkpoints(signal);
 * for (const entry of entries) { await checkpoint(); … }
 * ```
 */
export function checkpoints(signal: AbortSignal | undefined): () => Promise<void> | void {
  if (!signal) return () => undefined;
  let turned = Date.now();
  return () => {
    signal.throwIfAborted();
    if (Date.now() - turned < TURN_EVERY_MS) return;
    return nextTurn().then(() => {
      turned = Date.now();
      signal.throwIfAborted();
    });
  };
}
