import type { SessionHooks } from "../config.js";
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
