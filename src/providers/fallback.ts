import { ProviderError } from "../errors.js";
import type {
  HistoryMode,
  ProviderAdapter,
  ProviderReply,
  ProviderSessionInfo,
  ProviderStreamEvent,
  ProviderTurnInput,
} from "./types.js";

/**
 * Wraps a provider with a fallback chain: when the primary fails with a retryable
 * `ProviderError` (after its own retries), each fallback is tried in order. The reply records
 * which provider served it in `metadata.fallbackFrom` / `metadata.servedBy`.
 */
export function withFallback(
  primary: ProviderAdapter,
  fallbacks: readonly ProviderAdapter[],
): ProviderAdapter {
  const chain = [primary, ...fallbacks];
  return {
    ...bindCapabilities(primary),
    name: primary.name,
    // A fallback may need the transcript even when the primary keeps it server-side.
    historyMode: (session: ProviderSessionInfo): HistoryMode =>
      chain.some((p) => p.historyMode(session) === "client")
        ? "client"
        : primary.historyMode(session),
    sendTurn: async (turn: ProviderTurnInput): Promise<ProviderReply> => {
      let lastError: unknown;
      for (const [i, adapter] of chain.entries()) {
        try {
          const reply = await adapter.sendTurn(turn);
          return i === 0 ? reply : markFallback(reply, primary.name, adapter.name);
        } catch (error) {
          if (!isRetryable(error)) throw error;
          lastError = error;
        }
      }
      throw lastError;
    },
    streamTurn: (turn: ProviderTurnInput): AsyncIterable<ProviderStreamEvent> =>
      streamWithFallback(chain, primary.name, turn),
  };
}

async function* streamWithFallback(
  chain: readonly ProviderAdapter[],
  primaryName: string,
  turn: ProviderTurnInput,
): AsyncIterable<ProviderStreamEvent> {
  let lastError: unknown;
  for (const [i, adapter] of chain.entries()) {
    let started = false;
    try {
      for await (const event of adapter.streamTurn(turn)) {
        started = true;
        if (event.type === "done" && i > 0) {
          yield { type: "done", reply: markFallback(event.reply, primaryName, adapter.name) };
        } else yield event;
      }
      return;
    } catch (error) {
      // Once text has reached the caller, switching provider would splice two replies together.
      if (started || !isRetryable(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

function isRetryable(error: unknown): boolean {
  return error instanceof ProviderError && error.retryable;
}

function markFallback(reply: ProviderReply, from: string, by: string): ProviderReply {
  return { ...reply, metadata: { ...reply.metadata, fallbackFrom: from, servedBy: by } };
}

function bindCapabilities(p: ProviderAdapter): Partial<ProviderAdapter> {
  return {
    validateConfig: p.validateConfig?.bind(p),
    createProviderSession: p.createProviderSession?.bind(p),
    resetProviderSession: p.resetProviderSession?.bind(p),
    deleteProviderSession: p.deleteProviderSession?.bind(p),
    addSystemMessage: p.addSystemMessage?.bind(p),
    getProviderMetadata: p.getProviderMetadata?.bind(p),
    priceOf: p.priceOf?.bind(p),
    close: p.close?.bind(p),
  };
}
