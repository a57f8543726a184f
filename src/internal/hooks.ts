import type { SessionHooks } from "../config.js";
import type { SessionMessage } from "../types.js";
import { redact } from "./redact.js";

/**
 * Runs a lifecycle hook. Hooks run after the work they announce is stored, so a hook that
 * throws cannot undo it: its error is reported as a process warning (code
 * `LANGSWARM_HOOK_FAILED`) and the call that triggered it still succeeds, so that a caller
 * never retries, and duplicates, a turn that was stored.
 */
export async function callHook<K extends keyof SessionHooks>(
  hooks: SessionHooks | undefined,
  name: K,
  ...args: Parameters<NonNullable<SessionHooks[K]>>
): Promise<void> {
  const hook = hooks?.[name] as ((...a: typeof args) => unknown) | undefined;
  if (!hook) return;
  try {
    await hook.apply(hooks, args);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.emitWarning(`hook ${name} failed: ${redact(reason)}`, {
      code: "LANGSWARM_HOOK_FAILED",
    });
  }
}

/** A turn's hook and its message, waiting for the turn to be released. */
export type Announcement = ["onMessageSent" | "onReplyReceived", SessionMessage];

/**
 * Queues a hook of a turn. Turn hooks run once the session's turn is released (`runAnnounced`),
 * before the call that made the turn returns: so a hook may run a turn on the same session and
 * wait for it, which would otherwise wait for the hook.
 */
export function announce(
  hooks: SessionHooks | undefined,
  turn: { announced?: Announcement[] },
  name: Announcement[0],
  message: SessionMessage,
): void {
  if (hooks?.[name]) (turn.announced ??= []).push([name, message]);
}

/** Runs a released turn's hooks, in order (see `announce`). */
export async function runAnnounced(
  hooks: SessionHooks | undefined,
  turn: { announced?: Announcement[] },
): Promise<void> {
  const queued = turn.announced;
  turn.announced = undefined;
  for (const [name, message] of queued ?? []) await callHook(hooks, name, message);
}
