import type { SessionHooks } from "../config.js";
import type { SessionMessage } from "../types.js";
import { cloneJson } from "./clone.js";
import type { Closing } from "./closing.js";
import { redact } from "./redact.js";

type Hook = (...args: unknown[]) => unknown;

/** Every hook, so that the compiler names one added to `SessionHooks` and not here. */
const HOOKS: Record<keyof SessionHooks, true> = {
  onSessionCreated: true,
  onMessageSent: true,
  onReplyReceived: true,
  onSessionArchived: true,
  onSessionDeleted: true,
};

/**
 * A manager's own view of the hooks it was given: each runs through `closing.hook`, so that one
 * awaiting `manager.close()` is not waited for by it (see `Closing.close`). Wrapped once, here,
 * so that the turn path pays nothing; each is looked up when called, with the caller's `this`.
 */
export function scopedHooks(hooks: SessionHooks, closing: Closing): SessionHooks {
  const scoped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(HOOKS) as (keyof SessionHooks)[]) {
    if (typeof hooks[name] !== "function") continue;
    scoped[name] = (...args) =>
      closing.hook(() => (hooks[name] as Hook | undefined)?.apply(hooks, args));
  }
  return scoped as SessionHooks;
}

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
    process.emitWarning(`hook ${name} failed: ${redact(printable(error))}`, {
      code: "LANGSWARM_HOOK_FAILED",
    });
  }
}

/** A thrown value as text, whatever it is: reporting it must not fail the call either. */
function printable(error: unknown): string {
  if (error instanceof Error && typeof error.message === "string") return error.message;
  try {
    return String(error);
  } catch {
    return "(a value that cannot be shown as text)";
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
  // A copy: the message is what the call returns, which a hook editing its argument would change.
  if (hooks?.[name]) (turn.announced ??= []).push([name, cloneJson(message)]);
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
