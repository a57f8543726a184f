/**
 * A session's record as its `Session` object holds it: frozen where providers see it, re-read
 * when another object changed it, and checked to still be the same session.
 */
import { deepFreeze } from "./internal/clone.js";
import type { ProviderSessionInfo } from "./providers/types.js";
import { isKnown, notFound } from "./storage/record.js";
import type { SessionPatch } from "./storage/types.js";
import type { Runtime } from "./turn-lock.js";
import type { SessionMetrics, SessionRecord } from "./types.js";

/**
 * A record as a `Session` keeps it: its config and metadata frozen, once, since every turn hands
 * them to the provider (`providerInfo`) and an adapter, or whoever reads the mock's call log,
 * must not change the session through them. Copying them each turn would cost every turn.
 */
export function ownRecord(record: SessionRecord): SessionRecord {
  deepFreeze(record.providerConfig);
  deepFreeze(record.metadata);
  return record;
}

/** What a provider sees of a session (its config and metadata frozen, see `ownRecord`). */
export function providerInfo(r: SessionRecord): ProviderSessionInfo {
  return {
    sessionId: r.sessionId,
    userId: r.userId,
    model: r.model,
    providerSessionId: r.providerSessionId,
    providerConfig: r.providerConfig,
    metadata: r.metadata,
  };
}

/** A `Session`'s view of its record: as last read, and the manager's change count then. */
export interface TurnState {
  record: SessionRecord;
  version: number;
}

/** Updates the session's record and `state` with it, bumping the version others compare. */
export async function updateRecord(
  rt: Runtime,
  state: TurnState,
  patch: SessionPatch,
): Promise<void> {
  const id = state.record.sessionId;
  // Changed by another object since (deleted, even made anew under this id): check it first.
  if (rt.versions.of(id) !== state.version) await readRecord(rt, state.record);
  // Only the session this object holds, not one made anew under its id elsewhere.
  const fenced = { ...patch, known: state.record };
  const record = (await rt.storage.updateSession(id, fenced)) ?? notFound(id);
  state.record = ownRecord(record);
  state.version = rt.versions.bump(id);
}

/**
 * The session's record as stored now. A session id can be taken again after a delete: a record
 * of another user, or made later, is another session, and this one is not found.
 */
export async function readRecord(rt: Runtime, known: SessionRecord): Promise<SessionRecord> {
  const record = await rt.storage.getSession(known.sessionId);
  return record && isKnown(record, known) ? ownRecord(record) : notFound(known.sessionId);
}

/** A session's metrics, from its record (see `Session.getMetrics`). */
export function metricsOf(r: SessionRecord): SessionMetrics {
  return {
    totalMessages: r.messageCount,
    totalTokens: r.inputTokens + r.outputTokens,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedTokens: r.cachedTokens,
    cacheCreationTokens: r.cacheCreationTokens,
    sessionDuration: (r.lastActivity.getTime() - r.createdAt.getTime()) / 1000,
    lastActivity: new Date(r.lastActivity),
    costUsd: r.unpricedTurns > 0 ? null : r.costUsd,
    unpricedTurns: r.unpricedTurns,
  };
}
