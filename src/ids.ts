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

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// The base64url digit whose character comes r-th in byte order: base64url's alphabet is not in
// byte order ("-" < "0" < "A" < "_" < "a"), so a time written with these digits sorts as text.
const DIGIT_OF_RANK = [...BASE64URL].sort().map((c) => BASE64URL.indexOf(c));
const stamp = Buffer.alloc(6);
let stampedMs = -1;

/** Writes `ms` as 8 six-bit digits (48 bits), most significant first, into `stamp`. */
function setStamp(ms: number): void {
  writeDigits(Math.floor(ms / 0x1000000), 0);
  writeDigits(ms % 0x1000000, 3);
  stampedMs = ms;
}

/** 24 bits as 4 digits, in the 3 bytes of `stamp` from `at`. */
function writeDigits(bits: number, at: number): void {
  const a = DIGIT_OF_RANK[(bits >> 18) & 63]!;
  const b = DIGIT_OF_RANK[(bits >> 12) & 63]!;
  const c = DIGIT_OF_RANK[(bits >> 6) & 63]!;
  const d = DIGIT_OF_RANK[bits & 63]!;
  stamp[at] = (a << 2) | (b >> 4);
  stamp[at + 1] = ((b & 15) << 4) | (c >> 2);
  stamp[at + 2] = ((c & 3) << 6) | d;
}

/**
 * A message id: 22 base64url characters (one flat 40-byte string), the first 8 the creation
 * time in milliseconds and the other 14 random (80 bits, so still unguessable). Ids made later
 * sort later, so a session's id index grows at its end: with random ids each insert landed on a
 * random index page, and a turn on a 20,000-message SQLite session cost 1.2x a new session's.
 */
export function newMessageId(now: number = Date.now()): string {
  const at = take16();
  if (now !== stampedMs) setStamp(now);
  for (let i = 0; i < 6; i++) pool[at + i] = stamp[i]!;
  return pool.toString("base64url", at, at + 16);
}
