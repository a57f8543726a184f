import { ProviderError, ValidationError } from "../errors.js";
import type {
  HistoryMode,
  ModelPrice,
  ProviderAdapter,
  ProviderReply,
  ProviderSessionInfo,
  ProviderStreamEvent,
  ProviderTurnInput,
  SpentAttempt,
} from "./types.js";
import { addUsage } from "../pricing.js";
import { adapterPrice } from "../adapter-price.js";
import { spentBy, toProviderError, withSpent } from "./provider-failure.js";

/** One link of a fallback chain: the adapter and the model it is asked for (else the session's). */
export interface FallbackTarget {
  adapter: ProviderAdapter;
  model?: string;
}

// Session settings that belong to the primary's provider-side state, never to a fallback's.
const PROVIDER_STATE_KEYS = ["nativeState", "assistantId", "assistant_id"];

/**
 * Wraps a provider with a fallback chain: when the primary fails with a retryable
 * `ProviderError` (after its own retries), each fallback is tried in order, with its own model,
 * no provider-side state and the session's settings it accepts. The reply records which provider
 * and model served it (`metadata.fallbackFrom` / `metadata.servedBy`, `reply.model`).
 */
export function withFallback(
  primary: ProviderAdapter,
  fallbacks: readonly (ProviderAdapter | FallbackTarget)[],
): ProviderAdapter {
  const chain: FallbackTarget[] = [{ adapter: primary }, ...fallbacks.map(toTarget)];
  const adapters = chain.map((t) => t.adapter);
  const wrapper: ProviderAdapter = {
    ...bindCapabilities(primary),
    name: primary.name,
    // A fallback may need the transcript even when the primary keeps it server-side.
    historyMode: (session: ProviderSessionInfo): HistoryMode =>
      adapters.some((p) => p.historyMode(session) === "client")
        ? "client"
        : primary.historyMode(session),
    // The model that served a turn may belong to any provider of the chain; one provider's bad
    // price (reported once) does not hide another's good one.
    priceOf: (model: string): ModelPrice | undefined => {
      for (const a of adapters) {
        const price = adapterPrice(a, model);
        if (price) return price;
      }
      return undefined;
    },
    sendTurn: (turn: ProviderTurnInput): Promise<ProviderReply> =>
      sendWithFallback(chain, primary.name, turn),
    streamTurn: (turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent> =>
      streamWithFallback(chain, primary.name, turn),
  };
  primaries.set(wrapper, primary);
  return wrapper;
}

const primaries = new WeakMap<ProviderAdapter, ProviderAdapter>();

/**
 * The adapter whose history mode says whether a session keeps a provider-side conversation: a
 * fallback chain reports client history (its fallbacks need the transcript) while its primary
 * may keep one.
 */
export function primaryOf(adapter: ProviderAdapter): ProviderAdapter {
  return primaries.get(adapter) ?? adapter;
}

/**
 * Asks each provider of the chain in turn. What a failed attempt was billed (see
 * `ProviderError.spent`) goes with the turn's outcome: as `earlier` on the reply that answers it,
 * or on the error that ends it, each attempt at its own model's price.
 */
async function sendWithFallback(
  chain: readonly FallbackTarget[],
  primaryName: string,
  turn: ProviderTurnInput,
): Promise<ProviderReply> {
  let lastError: unknown;
  let primary: unknown; // the primary's failure, kept with whatever error ends the turn
  const earlier: SpentAttempt[] = [];
  const fail = (error: unknown) => afterPrimary(failedAfter(primaryName, error, earlier), primary);
  for (const [i, target] of chain.entries()) {
    // The caller stopped: no further provider is asked (and billed) for a turn nobody awaits.
    if (i > 0 && turn.signal?.aborted) throw fail(turn.signal.reason);
    try {
      if (i === 0) return await target.adapter.sendTurn(turn);
      const reply = await target.adapter.sendTurn(fallbackTurn(turn, target));
      const marked = markFallback(reply, primaryName, target, turn.session.model);
      return earlier.length
        ? { ...marked, earlier: [...earlier, ...(reply.earlier ?? [])] }
        : marked;
    } catch (error) {
      // A fallback's attempt is priced at its own model, not the session's.
      const model = i === 0 ? undefined : (target.model ?? turn.session.model);
      earlier.push(...spentBy(error).map((s) => (model && !s.model ? { ...s, model } : s)));
      if (i === 0) primary = error;
      if (!isRetryable(error)) throw fail(error);
      lastError = error;
    }
  }
  throw fail(lastError);
}

/** The primary's failure, by the error a chain's turn ended with after a fallback took over. */
const primaryFailures = new WeakMap<object, unknown>();

/**
 * Keeps the primary's failure with the error that ends the turn: whether the primary's native
 * conversation may hold the turn (it timed out) is told by it, not by the last fallback's error.
 */
function afterPrimary(error: unknown, primary: unknown): unknown {
  if (primary !== undefined && typeof error === "object" && error !== null) {
    primaryFailures.set(error, primary);
  }
  return error;
}

/**
 * What the primary of a fallback chain failed with, for the error its turn ended with; read once
 * (an adapter may throw one error object in many turns: a later turn must not find this one's).
 */
export function takePrimaryFailure(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return undefined;
  const primary = primaryFailures.get(error);
  primaryFailures.delete(error);
  return primary;
}

/** The error that ends a turn, carrying what every attempt before it was billed. */
function failedAfter(provider: string, error: unknown, earlier: readonly SpentAttempt[]): unknown {
  if (earlier.length === 0) return error; // as the adapter threw it
  return withSpent(toProviderError(provider, error), earlier);
}

async function* streamWithFallback(
  chain: readonly FallbackTarget[],
  primaryName: string,
  turn: ProviderTurnInput,
): AsyncIterable<ProviderStreamEvent> {
  let lastError: unknown;
  let primary: unknown; // see sendWithFallback
  for (const [i, target] of chain.entries()) {
    if (i > 0 && turn.signal?.aborted) throw afterPrimary(turn.signal.reason, primary);
    let started = false;
    let reported = false;
    try {
      const events = target.adapter.streamTurn(i === 0 ? turn : fallbackTurn(turn, target));
      if (i > 0) yield { type: "fallback", ...served(primaryName, target, turn.session.model) };
      for await (const event of events) {
        if (event.type === "done" && i > 0) {
          const reply = markFallback(event.reply, primaryName, target, turn.session.model);
          yield { type: "done", reply };
        } else {
          // Text commits the turn to this provider. A usage report does not, nor does `output`
          // (a tool call or reasoning begun): the caller saw none of it, so the next provider
          // may still answer, as a sent turn's fallback does; the cut attempt's cost then goes
          // with the turn, unknown (see stream-turn's `fallback` event).
          started ||= event.type === "delta";
          reported ||= event.type === "usage";
          yield event;
        }
      }
      return;
    } catch (error) {
      // What the attempt was billed, if it said so only in its error: counted as its usage.
      const billed = started || reported ? [] : spentBy(error);
      if (billed.length) yield billedUsage(billed);
      // Once text has reached the caller, switching provider would splice two replies together.
      if (i === 0) primary = error;
      if (started || !isRetryable(error)) throw afterPrimary(error, primary);
      lastError = error;
    }
  }
  throw afterPrimary(lastError, primary);
}

/** What an attempt that failed was billed, per its error, as a usage event of the stream. */
function billedUsage(billed: readonly SpentAttempt[]): ProviderStreamEvent {
  const usage = billed.map((b) => b.usage).reduce(addUsage);
  // An amount nobody knows is no $0: the turn is unpriced, as the sent turn's would be.
  return billed.some((b) => b.usageUnknown)
    ? { type: "usage", usage, usageUnknown: true }
    : { type: "usage", usage };
}

/**
 * The turn as a fallback sees it: its own model, no provider-side id (the primary's conversation
 * id means nothing elsewhere), and the session's settings minus those the fallback refuses.
 */
function fallbackTurn(turn: ProviderTurnInput, target: FallbackTarget): ProviderTurnInput {
  const session: ProviderSessionInfo = {
    ...turn.session,
    model: target.model ?? turn.session.model,
    providerSessionId: null,
    providerConfig: acceptedConfig(target.adapter, turn.session.providerConfig),
  };
  return { ...turn, session };
}

/** Drops, one by one, the top-level settings the adapter's `validateConfig` names as invalid. */
function acceptedConfig(
  adapter: ProviderAdapter,
  config: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = { ...config };
  for (const key of PROVIDER_STATE_KEYS) delete out[key];
  for (let tries = Object.keys(out).length; tries > 0; tries--) {
    try {
      adapter.validateConfig?.(out);
      return out;
    } catch (error) {
      const key = refusedKey(error);
      if (key === null || !(key in out)) return out;
      delete out[key];
    }
  }
  return out;
}

function refusedKey(error: unknown): string | null {
  if (!(error instanceof ValidationError)) return null;
  const match = /^providerConfig\.([^.]+)/.exec(error.field);
  return match ? match[1]! : null;
}

function toTarget(entry: ProviderAdapter | FallbackTarget): FallbackTarget {
  return typeof (entry as Partial<ProviderAdapter>).sendTurn === "function"
    ? { adapter: entry as ProviderAdapter }
    : (entry as FallbackTarget);
}

function isRetryable(error: unknown): boolean {
  return error instanceof ProviderError && error.retryable;
}

function markFallback(
  reply: ProviderReply,
  from: string,
  target: FallbackTarget,
  sessionModel: string,
): ProviderReply {
  const mark = served(from, target, sessionModel);
  return {
    ...reply,
    model: reply.model ?? mark.model,
    metadata: { ...reply.metadata, ...mark.metadata },
  };
}

/** What a fallback's reply carries: its model and where it came from. */
function served(from: string, target: FallbackTarget, sessionModel: string) {
  const metadata = { fallbackFrom: from, servedBy: target.adapter.name };
  return { model: target.model ?? sessionModel, metadata };
}

function bindCapabilities(p: ProviderAdapter): Partial<ProviderAdapter> {
  return {
    validateConfig: p.validateConfig?.bind(p),
    createProviderSession: p.createProviderSession?.bind(p),
    deleteProviderSession: p.deleteProviderSession?.bind(p),
    addSystemMessage: p.addSystemMessage?.bind(p),
    getProviderMetadata: p.getProviderMetadata?.bind(p),
    close: p.close?.bind(p),
  };
}
