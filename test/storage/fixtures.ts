import { newMessageId, newSessionId } from "../../src/ids.js";
import { ZERO_COUNTERS } from "../../src/storage/record.js";
import type { SessionMessage, SessionRecord, TokenUsage } from "../../src/types.js";

let clock = Date.UTC(2026, 5, 1);

/** A session record with distinct, increasing timestamps. */
export function makeRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const at = new Date((clock += 1000));
  return {
    sessionId: newSessionId(),
    userId: "user-1",
    provider: "mock",
    model: "mock-model",
    status: "active",
    providerSessionId: null,
    name: null,
    description: null,
    context: {},
    providerConfig: {},
    metadata: {},
    createdAt: at,
    updatedAt: at,
    lastActivity: at,
    ...ZERO_COUNTERS,
    ...overrides,
  };
}

export function makeMessage(
  sessionId: string,
  overrides: Partial<SessionMessage> = {},
): SessionMessage {
  return {
    messageId: newMessageId(),
    sessionId,
    role: "user",
    content: "hello",
    timestamp: new Date((clock += 7)),
    metadata: {},
    ...overrides,
  };
}

export function usage(input: number, output: number, cached = 0, cacheWrite = 0): TokenUsage {
  return {
    inputTokens: input,
    outputTokens: output,
    cachedTokens: cached,
    cacheCreationTokens: cacheWrite,
  };
}
