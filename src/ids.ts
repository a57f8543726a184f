import { randomFillSync } from "node:crypto";

// Random bytes are drawn in blocks: one `randomFillSync` per 256 ids instead of one per id.
const pool = Buffer.allocUnsafe(16 * 256);
let offset = pool.length;

function take16(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += 16;
  return at;
}

/**
 * A random, unguessable session id (UUID v4). Built with `join`, which yields one flat string:
 * Node's `randomUUID()` strings retain about 490 bytes of heap each.
 */
export function newSessionId(): string {
  const at = take16();
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40;
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80;
  const h = pool.toString("hex", at, at + 16);
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

/** A random message id: 128 bits as 22 base64url characters (one flat 40-byte string). */
export function newMessageId(): string {
  const at = take16();
  return pool.toString("base64url", at, at + 16);
}
