import { ValidationError } from "./errors.js";
import { isStorableTime } from "./storage/record.js";
import type { ListCursor } from "./storage/types.js";
import { isStorableText } from "./validate.js";

/** Opaque paging cursor: where the previous page ended, as base64url JSON. */
export function encodeCursor(cursor: ListCursor): string {
  const json = JSON.stringify([cursor.lastActivity.getTime(), cursor.sessionId]);
  return Buffer.from(json).toString("base64url");
}

export function decodeCursor(value: unknown): ListCursor {
  try {
    const [t, id] = JSON.parse(Buffer.from(String(value), "base64url").toString()) as unknown[];
    // A forged time outside the storable range would fail (or be misread) inside a backend.
    // So would an id no backend can hold (NUL, a lone surrogate), or read back the same way.
    if (
      typeof t === "number" &&
      isStorableTime(t) &&
      isStorableText(id) &&
      (id as string).length <= 1024
    ) {
      return { lastActivity: new Date(t), sessionId: id as string };
    }
  } catch {
    // fall through to the typed error
  }
  throw new ValidationError("cursor", "is not a cursor returned by getUserSessions");
}
