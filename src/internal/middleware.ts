import type { ManagerConfig } from "../config.js";
import { ValidationError } from "../errors.js";
import type { SessionMessage } from "../types.js";
import { cloneJson } from "./clone.js";
import { requireContent, requireRecord } from "../validate.js";

/**
 * Runs the outgoing or incoming middleware over a message. Middleware may rewrite `content` and
 * `metadata`; the rest (id, session, role, timestamp, tool fields) is kept as it was, and what it
 * returns is checked like caller input, so a middleware bug cannot store what the API refuses.
 */
export async function applyMiddleware(
  config: Pick<ManagerConfig, "middleware" | "maxMessageBytes">,
  direction: "outgoing" | "incoming",
  message: SessionMessage,
): Promise<SessionMessage> {
  let current = message;
  for (const m of config.middleware) {
    const rewrite = m[direction];
    if (!rewrite) continue;
    // A copy, so that a middleware editing its argument in place cannot touch the rest.
    const out: unknown = await rewrite(cloneJson(current));
    if (typeof out !== "object" || out === null) {
      throw new ValidationError(`middleware.${direction}`, "must return a message");
    }
    const { content, metadata } = out as Partial<SessionMessage>;
    current = {
      ...current,
      // A reply may be empty (a tool call); a message the caller sends may not.
      content:
        direction === "incoming" && content === ""
          ? content
          : requireContent(content, config.maxMessageBytes, `middleware.${direction}.content`),
      metadata: requireRecord(`middleware.${direction}.metadata`, metadata ?? {}),
    };
  }
  return current;
}
