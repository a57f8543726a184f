/** What `createSession` takes, checked into the record of a new session. */
import { newSessionId } from "./ids.js";
import type { SessionRecord } from "./types.js";
import {
  MAX_DESCRIPTION_LENGTH,
  optionalText,
  refuseUnknownKeys,
  requireOptions,
  requireProviderConfig,
  requireRecord,
  requireString,
} from "./validate.js";

/** `createSession`'s options, also accepted as one object with `userId`, `provider`, `model`. */
export interface CreateSessionOptions {
  providerConfig?: Record<string, unknown>;
  sessionConfig?: {
    name?: string;
    description?: string;
    context?: Record<string, unknown>;
    metadata?: Record<string, unknown>;
    /** Use this id instead of a random one (e.g. a V1 id); refused if taken. */
    sessionId?: string;
  };
}

export interface CreateSessionInput extends CreateSessionOptions {
  userId: string;
  provider: string;
  model: string;
}

const INPUT_KEYS = ["userId", "provider", "model", "providerConfig", "sessionConfig"] as const;
const SESSION_CONFIG_KEYS = ["name", "description", "context", "metadata", "sessionId"] as const;

/** `createSession`'s two signatures as one input object (the object form is used as it is). */
export function createSessionInput(
  first: string | CreateSessionInput,
  provider?: string,
  model?: string,
  options?: CreateSessionOptions,
): CreateSessionInput {
  if (typeof first === "object" && first !== null) {
    refuseUnknownKeys("", first, INPUT_KEYS);
    return first;
  }
  refuseUnknownKeys("options", requireOptions(options), INPUT_KEYS.slice(3));
  return {
    userId: first,
    provider: provider!,
    model: model!,
    providerConfig: options?.providerConfig,
    sessionConfig: options?.sessionConfig,
  };
}

/**
 * The config and metadata of a session given none: frozen already, as a `Session` keeps them
 * (`ownRecord`), so a new session's record needs no freezing.
 */
const NONE: Record<string, unknown> = Object.freeze({});

/**
 * A new session's record, every field checked in order; `configured` refuses a provider this
 * manager cannot use.
 */
export function newSessionRecord(
  input: CreateSessionInput,
  configured: (provider: string) => string,
): SessionRecord {
  const userId = requireString("userId", input.userId);
  const provider = configured(requireString("provider", input.provider));
  const model = requireString("model", input.model);
  const sc =
    input.sessionConfig === undefined ? {} : requireRecord("sessionConfig", input.sessionConfig);
  refuseUnknownKeys("sessionConfig", sc, SESSION_CONFIG_KEYS);
  const providerConfig =
    input.providerConfig === undefined
      ? NONE
      : requireProviderConfig("providerConfig", input.providerConfig);
  const now = new Date();
  return {
    sessionId:
      sc.sessionId === undefined
        ? newSessionId()
        : requireString("sessionConfig.sessionId", sc.sessionId),
    userId,
    provider,
    model,
    status: "active",
    providerSessionId: null,
    name: optionalText("sessionConfig.name", sc.name),
    description: optionalText("sessionConfig.description", sc.description, MAX_DESCRIPTION_LENGTH),
    context: sc.context === undefined ? {} : requireRecord("sessionConfig.context", sc.context),
    providerConfig,
    metadata:
      sc.metadata === undefined ? NONE : requireRecord("sessionConfig.metadata", sc.metadata),
    createdAt: now,
    updatedAt: now,
    lastActivity: now,
    // ZERO_COUNTERS spelled out: a spread inside this literal costs more than all the rest of it.
    messageCount: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    cacheCreationTokens: 0,
    costUsd: 0,
    unpricedTurns: 0,
  };
}
