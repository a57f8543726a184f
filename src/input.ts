import type { ManagerConfig } from "./config.js";
import { ProviderError, ValidationError } from "./errors.js";
import { newMessageId } from "./ids.js";
import { unlessAborted } from "./internal/follow-signal.js";
import { applyMiddleware } from "./internal/middleware.js";
import type { Runtime } from "./turn-lock.js";
import type { MessageRole, SessionMessage } from "./types.js";
import {
  knownOptions,
  optionalSignal,
  requireContent,
  requireRecord,
  requireRole,
  requireString,
} from "./validate.js";

const SENDABLE_ROLES: readonly MessageRole[] = ["user", "tool"];
export const NO_OPTIONS: SendMessageOptions = Object.freeze({});
const SEND_OPTIONS = ["role", "toolCallId", "metadata", "signal"];

/** Options of `sendMessage` and `streamMessage`. */
export interface SendMessageOptions {
  /** `tool` sends a tool result; it needs `toolCallId`. @default "user" */
  role?: "user" | "tool";
  toolCallId?: string;
  metadata?: Record<string, unknown>;
  signal?: AbortSignal;
}

/**
 * The validated input message of a turn, built at once so that the turn can take its place in
 * the session's queue at call time; outgoing middleware runs on it once the turn is held
 * (`outgoing`).
 */
export function turnInput(
  config: ManagerConfig,
  sessionId: string,
  content: string,
  options: SendMessageOptions,
): SessionMessage {
  if (options !== NO_OPTIONS) knownOptions(options, SEND_OPTIONS);
  optionalSignal("signal", options.signal);
  const role = requireRole(options.role ?? "user", SENDABLE_ROLES);
  const text = requireContent(content, config.maxMessageBytes);
  const message = newMessage(sessionId, role, text);
  if (options.metadata !== undefined)
    message.metadata = requireRecord("metadata", options.metadata);
  if (role === "tool") message.toolCallId = requireString("toolCallId", options.toolCallId);
  else if (options.toolCallId !== undefined)
    throw new ValidationError("toolCallId", "only a tool message has one");
  return message;
}

/**
 * The input through the outgoing middleware; a promise only when there is middleware. Aborting
 * `signal` ends the wait for a middleware that does not answer (its turn held meanwhile): a
 * `ProviderError`, the provider not asked and nothing stored.
 */
export function outgoing(
  rt: Pick<Runtime, "config" | "closing" | "mutex">,
  message: SessionMessage,
  provider: string,
  signal?: AbortSignal,
): SessionMessage | Promise<SessionMessage> {
  if (!rt.config.middleware.length) return message;
  const rewritten = applyMiddleware(rt, "outgoing", message, signal);
  return unlessAborted(rewritten, signal, () => {
    const reason = "the request was aborted in outgoing middleware, before the provider was asked";
    return new ProviderError(provider, reason, { retryable: false, cause: signal!.reason });
  });
}

/** A new message of this session, stamped now. */
export function newMessage(
  sessionId: string,
  role: SessionMessage["role"],
  content: string,
): SessionMessage {
  const timestamp = new Date();
  return {
    messageId: newMessageId(timestamp.getTime()),
    sessionId,
    role,
    content,
    timestamp,
    metadata: {},
  };
}

/**
 * Stamps a turn's input anew when the turn starts after waiting behind others, so that times
 * (and the ids made from them) follow the order of the transcript.
 */
export function stampNow(message: SessionMessage): void {
  const timestamp = new Date();
  message.timestamp = timestamp;
  message.messageId = newMessageId(timestamp.getTime());
}
