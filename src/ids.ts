import { randomBytes, randomUUID } from "node:crypto";

/** A random, unguessable session id (UUID v4). */
export function newSessionId(): string {
  return randomUUID();
}

/** A random message id: 128 bits, base64url, prefixed so ids are recognisable in logs. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString("base64url")}`;
}
