/**
 * What the fuzz believes about the sessions (the model the checker compares storage against),
 * and the record of one operation's outcome.
 */
import type { Session, SessionMessage } from "../../src/index.js";

/** Operations on one session, picked by weight (see `SESSION_OPS` in operations.ts). */
export type SessionOpKind =
  | "send"
  | "sendFail"
  | "sendAbort"
  | "sendMeta"
  | "streamFull"
  | "streamBreak"
  | "streamAbort"
  | "streamSlow"
  | "streamDelete"
  | "system"
  | "clear"
  | "context"
  | "switch"
  | "archive"
  | "delete"
  | "staleGet"
  | "peek";

export type OpKind = SessionOpKind | "create" | "recreate" | "list" | "cleanup" | "gone";

/** A turn asks a provider for a reply (a system message does not). */
export const isTurn = (kind: OpKind): boolean => /^(send|stream)/.test(kind);

export interface Outcome {
  op: number;
  kind: OpKind;
  sessionId?: string;
  /** The input's content: unique per operation, so the checker can find it in the transcript. */
  tag?: string;
  /** Which storage object the handle used sits on (0: shared by two managers, 1: the other). */
  store?: number;
  ok: boolean;
  error?: unknown;
  reply?: SessionMessage;
  deltas?: string[];
  taken?: number;
  contextKey?: string;
  deletedByReader?: boolean;
  peek?: { total: number; all: number; newest: string[]; tail: string[] };
}

export interface Model {
  users: string[];
  /** Sessions believed to exist, by id → user. */
  live: Map<string, string>;
  gone: Set<string>;
  /** A few `Session` objects per live session, some of them stale on purpose. */
  handles: Map<string, Session[]>;
  /** Which manager (index) made each handle: its calls run on that manager. */
  managerOf: WeakMap<Session, number>;
  /** Every message id seen, with what it held: an id must never be reused. */
  seenIds: Map<string, string>;
  /** Context keys set successfully, per session. */
  ctx: Map<string, Set<string>>;
  /** Handles of earlier incarnations of a session id (deleted, perhaps made anew since). */
  old: Map<string, Session[]>;
  /**
   * Storage objects through which each session (this incarnation) had its provider switched.
   * A turn through a different storage object may be refused for it (see `conflictAllowed`).
   */
  switchedVia: Map<string, Set<number>>;
  /** The storage object each operation's input went through (by op number, as in its tag). */
  storeOfOp: Map<number, number>;
}

export function newModel(): Model {
  return {
    users: ["u0", "u1", "u2", "u3"],
    live: new Map(),
    gone: new Set(),
    handles: new Map(),
    managerOf: new WeakMap(),
    seenIds: new Map(),
    ctx: new Map(),
    old: new Map(),
    switchedVia: new Map(),
    storeOfOp: new Map(),
  };
}

/** Keeps at most six handles per session: enough staleness, without unbounded growth. */
export function addHandle(model: Model, session: Session, manager: number): void {
  model.managerOf.set(session, manager);
  const list = model.handles.get(session.sessionId) ?? [];
  list.push(session);
  if (list.length > 6) list.shift();
  model.handles.set(session.sessionId, list);
}

/** A session is gone: its handles become "old" ones, which must never reach a new incarnation. */
export function bury(model: Model, id: string): void {
  model.live.delete(id);
  model.gone.add(id);
  const handles = model.handles.get(id) ?? [];
  model.old.set(id, [...(model.old.get(id) ?? []), ...handles].slice(-8));
  model.handles.delete(id);
  model.switchedVia.delete(id);
}

/** A gone id made anew: nothing of the old incarnation's state applies. */
export function reborn(model: Model, id: string, user: string, session: Session, manager: number) {
  model.gone.delete(id);
  model.live.set(id, user);
  model.ctx.delete(id);
  model.switchedVia.delete(id);
  model.handles.delete(id);
  addHandle(model, session, manager);
}

export function noteSwitch(model: Model, id: string, store: number): void {
  const via = model.switchedVia.get(id) ?? new Set<number>();
  via.add(store);
  model.switchedVia.set(id, via);
}

/**
 * Whether a `ConcurrencyError` is a legitimate outcome of `o`: a turn run by a `Session` on one
 * storage object, on a session whose provider was switched through another storage object (as by
 * another process). A turn without a lease does not re-read the session, so its reply, from the
 * provider the session has left, is refused (see test/provider-switched-elsewhere.test.ts).
 * Within one storage object the managers share the turn lock, so a switch is never missed there.
 */
export function conflictAllowed(model: Model, o: Outcome): boolean {
  if (!isTurn(o.kind) || o.sessionId === undefined || o.store === undefined) return false;
  const via = model.switchedVia.get(o.sessionId);
  return via !== undefined && [...via].some((store) => store !== o.store);
}

export function errText(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return String(e);
}
