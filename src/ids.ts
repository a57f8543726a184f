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

const HEX = Buffer.from("0123456789abcdef");
// Where each of the 16 bytes goes in the 36-character text; the dashes are written once.
const HEX_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const uuidText = Buffer.alloc(36, "-");

/**
 * A random, unguessable session id (UUID v4), written into a byte buffer and read as one flat
 * string: Node's `randomUUID()` strings retain about 490 bytes of heap each, and slicing hex
 * text costs twice the time.
 */
export function newSessionId(): string {
  const at = take16();
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40;
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80;
  for (let i = 0; i < 16; i++) {
    const byte = pool[at + i]!;
    const to = HEX_AT[i]!;
    uuidText[to] = HEX[byte >> 4]!;
    uuidText[to + 1] = HEX[byte & 15]!;
  }
  return uuidText.toString("latin1");
}

/** A random message id: 128 bits as 22 base64url characters (one flat 40-byte string). */
export function newMessageId(): string {
  const at = take16();
  return pool.toString("base64url", at, at + 16);
}
