import { failureText } from "./providers/provider-failure.js";
import { primaryOf } from "./providers/fallback.js";
import type { ProviderAdapter, ProviderSessionInfo } from "./providers/types.js";
import type { SessionPatch } from "./storage/types.js";
import { refuseOpenCalls } from "./tool-results.js";
import { providerInfo, updateRecord } from "./session-record.js";
import { type HeldTurn, type Runtime } from "./turn-lock.js";
import type { SessionRecord } from "./types.js";

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
    if (created) await dropProviderState(created);
    throw error;
  }
  if (replaced && replaced.session.providerSessionId !== created?.session.providerSessionId) {
    await dropProviderState(replaced);
  }
}

/** Deletes provider-side state nothing points at; a failure is a warning, never thrown. */
export async function dropProviderState({ adapter, session }: ProviderState): Promise<void> {
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
export function warnProviderCleanup(what: string, error: unknown): void {
  // Scrubbed, and never throws: a warning must not fail the call (the session may be deleted).
  const reason = failureText(error);
  process.emitWarning(`${what}: ${reason}`, { code: "LANGSWARM_PROVIDER_CLEANUP_FAILED" });
}

/** A `switchProvider` call, under the session's turn: the record as it is, and where it goes. */
export interface ProviderMove {
  record: SessionRecord;
  /** The current provider's adapter; null if this manager cannot use it. */
  previous: ProviderAdapter | null;
  provider: string;
  model: string;
  /** The new provider config; without one, the current one moves along. */
  given: Record<string, unknown> | undefined;
}

/**
 * Moves a session to another provider or model. A native-state provider starts with the
 * transcript so far, so the move loses nothing; the old provider's state is deleted once the move
 * is recorded, and a refused move (open tool calls) drops the new state.
 */
export async function moveProvider(
  rt: Runtime,
  { record, previous, provider, model, given }: ProviderMove,
  update: (patch: SessionPatch) => Promise<void>,
): Promise<void> {
  const adapter = await rt.adapter(provider);
  const config = given ?? record.providerConfig;
  adapter.validateConfig?.(config);
  const next = { ...providerInfo(record), model, providerConfig: config, providerSessionId: null };
  const history = adapter.createProviderSession
    ? await rt.storage.getMessages(record.sessionId)
    : [];
  const providerSessionId = (await adapter.createProviderSession?.(next, history)) ?? null;
  await commitProviderState(
    async () => {
      if (providerSessionId) refuseOpenCalls(adapter.name, history);
      await update({ provider, model, providerConfig: config, providerSessionId });
    },
    { adapter, session: { ...next, providerSessionId } },
    { adapter: previous, session: providerInfo(record) },
  );
}

/**
 * A native conversation that kept more of a turn than the transcript did (a stream broken off,
 * aborted or failed mid-reply: the conversation has the model's whole response, tool calls
 * included, and would refuse the next turn over calls nobody can answer) starts afresh from the
 * transcript, as `switchProvider` to the same provider and model does. A failure is a warning:
 * the turn itself is stored, and `switchProvider` remains the remedy.
 */
export async function realignConversation(rt: Runtime, held: HeldTurn): Promise<void> {
  const { record, adapter } = held;
  // Only a conversation the provider keeps can hold more than the transcript: a client-history
  // adapter's own provider state (a gateway's session) is sent the transcript every turn.
  if (primaryOf(adapter).historyMode(providerInfo(record)) !== "native") return;
  const same = { provider: record.provider, model: record.model, given: undefined };
  try {
    await moveProvider(rt, { record, previous: adapter, ...same }, (patch) =>
      updateRecord(rt, held.state, patch),
    );
  } catch (error) {
    warnProviderCleanup(`could not realign the conversation of session ${record.sessionId}`, error);
  }
}
