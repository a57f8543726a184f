import { redact } from "./internal/redact.js";
import type { ProviderAdapter, ProviderSessionInfo } from "./providers/types.js";

/**
 * Provider-side state (an OpenAI conversation), as the adapter that owns it sees it; the adapter
 * is null when this manager cannot use that provider (its state can then only be reported).
 */
export interface ProviderState {
  adapter: ProviderAdapter | null;
  session: ProviderSessionInfo;
}

/**
 * Moves a session to new provider-side state in the one order that never leaves it pointing at
 * state that is gone: `store` records the new state first, and only then is the old one deleted.
 * If storing fails, the new state is deleted instead and the session is as it was.
 *
 * Deleting is best effort, since nothing points at that state any more; a failure is a process
 * warning (code `LANGSWARM_PROVIDER_CLEANUP_FAILED`), because the state may hold messages the
 * user meant to clear.
 */
export async function commitProviderState(
  store: () => Promise<void>,
  created: ProviderState | null,
  replaced: ProviderState | null,
): Promise<void> {
  try {
    await store();
  } catch (error) {
    if (created) await drop(created);
    throw error;
  }
  if (replaced && replaced.session.providerSessionId !== created?.session.providerSessionId) {
    await drop(replaced);
  }
}

async function drop({ adapter, session }: ProviderState): Promise<void> {
  const id = session.providerSessionId;
  if (id && !adapter) {
    const what = `could not delete the provider state ${id} of session ${session.sessionId}`;
    return warnProviderCleanup(what, "its provider is not usable by this manager");
  }
  if (!id || !adapter?.deleteProviderSession) return;
  try {
    await adapter.deleteProviderSession(session);
  } catch (error) {
    warnProviderCleanup(
      `could not delete ${adapter.name} state ${id} of session ${session.sessionId}`,
      error,
    );
  }
}

/**
 * Runs the undo a provider gave for a change that then could not be stored (see
 * `addSystemMessage`); a failed undo is a warning, the caller already has the storage's error.
 */
export async function undoProviderChange(
  undo: void | (() => Promise<void>),
  what: string,
): Promise<void> {
  if (!undo) return;
  try {
    await undo();
  } catch (error) {
    warnProviderCleanup(`could not take back ${what}`, error);
  }
}

/** Provider-side state left behind, as a process warning (it may hold cleared messages). */
function warnProviderCleanup(what: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`${what}: ${redact(reason)}`, { code: "LANGSWARM_PROVIDER_CLEANUP_FAILED" });
}
