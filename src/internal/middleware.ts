import { SessionError, ValidationError } from "../errors.js";
import { failureText } from "../providers/provider-failure.js";
import type { Runtime } from "../turn-lock.js";
import type { SessionMessage } from "../types.js";
import { cloneJson } from "./clone.js";
import { requireContent, requireRecord, requireStorable } from "../validate.js";

function requireText(field: string, value: unknown): string {
  if (typeof value !== "string") throw new ValidationError(field, "must be a string");
  return value;
}

/**
 * Runs the outgoing or incoming middleware over a message. Middleware may rewrite `content` and
 * `metadata`; the rest (id, session, role, timestamp, tool fields) is kept as it was, and what it
 * returns is checked like caller input, so a middleware bug cannot store what the API refuses.
 */
export async function applyMiddleware(
  rt: Pick<Runtime, "config" | "closing" | "mutex">,
  direction: "outgoing" | "incoming",
  message: SessionMessage,
  signal?: AbortSignal,
): Promise<SessionMessage> {
  const { config } = rt;
  // It runs inside the session's turn: a call it makes that waits for that turn is refused.
  const holds = { lock: rt.mutex, sessionId: message.sessionId };
  let current = message;
  for (const m of config.middleware) {
    const rewrite = m[direction];
    if (!rewrite) continue;
    signal?.throwIfAborted(); // its turn was given up: the rest does not run for it
    // A copy, so that a middleware editing its argument in place cannot touch the rest.
    const arg = cloneJson(current);
    const out: unknown = await rt.closing
      .hook(() => rewrite.call(m, arg), holds, signal)
      .catch(typed);
    if (typeof out !== "object" || out === null) {
      throw new ValidationError(`middleware.${direction}`, "must return a message");
    }
    const { content, metadata } = out as Partial<SessionMessage>;
    const field = `middleware.${direction}.content`;
    current = {
      ...current,
      // A reply is never refused for its text (it may be empty, a tool call, or longer than
      // what a caller may send): only what no storage can keep is. A message sent is checked
      // like the caller's own.
      content:
        direction === "incoming"
          ? requireStorable(field, requireText(field, content))
          : requireContent(content, config.maxMessageBytes, field),
      metadata: requireRecord(`middleware.${direction}.metadata`, metadata ?? {}),
    };
  }
  return current;
}

/** A middleware's failure as thrown, if an `Error`; anything else (`null`, a string) wrapped. */
function typed(failure: unknown): never {
  if (failure instanceof Error) throw failure;
  throw new SessionError(`middleware failed: ${failureText(failure)}`, { cause: failure });
}
