/**
 * The state one fuzz run threads through its operations and checks: the managers, the model,
 * the random source and what went wrong so far.
 */
import {
  ConcurrencyError,
  createSessionManager,
  ProviderError,
  SessionNotFoundError,
  StorageError,
  type SessionManager,
  type SessionStorage,
} from "../../src/index.js";
import { MockProvider } from "../../src/testing/index.js";
import { conflictAllowed, errText, newModel, type Model, type Outcome } from "./model.js";
import { seededRandom, type Random } from "./random.js";

export interface FuzzOptions {
  seed: number;
  ops: number;
  makeStorage: () => SessionStorage;
  maxBatch?: number;
  /** A second storage object on the same database: a third manager, as another process. */
  makeOther?: () => SessionStorage;
  /** Reopens the database after close, for the check of what close left behind. */
  reopen?: () => SessionStorage;
}

/** Past this many violations the run stops: the first ones say what is wrong. */
export const MAX_VIOLATIONS = 50;

export interface FuzzContext {
  r: Random;
  managers: SessionManager[];
  /** Storage object index (0 or 1) of each manager. */
  storeOfManager: number[];
  /** [plain, history-aware] adapters of each manager, to inject failures into. */
  mocks: MockProvider[][];
  storage: SessionStorage;
  model: Model;
  counts: Record<string, number>;
  violations: string[];
  /** The last operations run, for failure messages. */
  recent: string[];
  opNo: number;
  /** Set once the managers start closing: a call refused for that is no violation then. */
  closing: boolean;
  fail(msg: string): void;
}

/**
 * Three managers at most: two on one storage object (one process, sharing its turn lock) and,
 * given `makeOther`, one on a second storage object over the same database (another process).
 * Each has a stateless ("mock") and a history-keeping ("hist") provider, with different latencies
 * so that turns overlap in varied ways.
 */
export function newContext(options: FuzzOptions): FuzzContext {
  const storage = options.makeStorage();
  const other = options.makeOther?.();
  const mocks: MockProvider[][] = [];
  const storeOfManager = other ? [0, 0, 1] : [0, 0];
  const managers = storeOfManager.map((store, i) => {
    const plain = new MockProvider({ latencyMs: i === 0 ? 0 : 2, chunkSize: 3 });
    const hist = new MockProvider({ latencyMs: [1, 0, 3][i]!, chunkSize: 4, historyAware: true });
    mocks.push([plain, hist]);
    return createSessionManager({
      storage: store === 1 ? other! : storage,
      providers: { mock: { adapter: plain }, hist: { adapter: hist } },
    });
  });
  const ctx: FuzzContext = {
    r: seededRandom(options.seed),
    managers,
    storeOfManager,
    mocks,
    storage,
    model: newModel(),
    counts: {},
    violations: [],
    recent: [],
    opNo: 0,
    closing: false,
    fail: (msg) => void (ctx.violations.length < MAX_VIOLATIONS && ctx.violations.push(msg)),
  };
  return ctx;
}

/** Whether `o` failed in a way the library documents for what the fuzz does. */
export function allowedFailure(ctx: FuzzContext, o: Outcome): boolean {
  const e = o.error;
  if (e instanceof ProviderError || e instanceof SessionNotFoundError) return true;
  if (e instanceof ConcurrencyError) return conflictAllowed(ctx.model, o);
  return ctx.closing && e instanceof StorageError && /closed/.test(e.message);
}

/** How an outcome ended, for the counts and the failure messages. */
export function category(o: Outcome): string {
  if (o.ok) return "ok";
  if (o.error === undefined) return "judged"; // a "gone" op checks its own outcome
  if (o.error instanceof ProviderError)
    return /before the turn started/.test(o.error.message) ? "notStarted" : "provErr";
  if (o.error instanceof SessionNotFoundError) return "notFound";
  if (o.error instanceof ConcurrencyError) return "conflict";
  return "other";
}

/** Remembers the last 30 operations (with how they ended) for a failure message. */
export function remember(ctx: FuzzContext, o: Outcome): Outcome {
  const how = o.ok ? "ok" : errText(o.error).slice(0, 120);
  const where = o.sessionId ? ` ${o.sessionId} via store ${o.store ?? "-"}` : "";
  ctx.recent.push(`op${o.op} ${o.kind}${where}: ${how}`);
  if (ctx.recent.length > 30) ctx.recent.shift();
  return o;
}

export const count = (ctx: FuzzContext, key: string): void =>
  void (ctx.counts[key] = (ctx.counts[key] ?? 0) + 1);
