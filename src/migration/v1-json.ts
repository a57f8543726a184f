/**
 * Parsing of the JSON that V1 (Python `json.dumps`) wrote. Python emits `NaN`, `Infinity` and
 * `-Infinity` for floats, which `JSON.parse` refuses, and integers of any size, which
 * `JSON.parse` silently rounds past 2^53. Both are rewritten to JSON strings before parsing
 * ("NaN", "Infinity", "-Infinity", and the exact digits), so no value is lost or altered.
 */

// Only a run of 16+ digits can exceed 2^53; testing for one is far cheaper than rewriting.
const LONG_DIGITS = /\d{16}/;

/**
 * Parses Python-written JSON.
 *
 * ```ts
 * parsePythonJson('{"x": NaN, "id": 12345678901234567890}') // { x: "NaN", id: "12345678901234567890" }
 * ```
 */
export function parsePythonJson(text: string): unknown {
  if (!LONG_DIGITS.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through: NaN/Infinity need rewriting (a genuinely bad blob throws again below)
    }
  }
  return JSON.parse(rewriteNonStandard(text));
}

const QUOTE = 34; // "
const BACKSLASH = 92;

/** Rewrites NaN/±Infinity and unsafe integers outside string literals into JSON strings. */
export function rewriteNonStandard(text: string): string {
  const out: string[] = [];
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    const token = nonStandardToken(text, i);
    if (token) {
      out.push(text.slice(copied, i), token.replacement);
      i += token.length;
      copied = i;
      continue;
    }
    i += isNumberStart(c) ? numberLength(text, i) || 1 : 1;
  }
  if (copied === 0) return text;
  out.push(text.slice(copied));
  return out.join("");
}

/** Index just after the closing quote of the string literal starting at `start`. */
function skipString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length; // unterminated: JSON.parse will report it
    let backslashes = 0;
    for (let j = quote - 1; j > start && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

function isNumberStart(c: number): boolean {
  return c === 45 || (c >= 48 && c <= 57); // '-' or a digit
}

function numberLength(text: string, start: number): number {
  const match = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  match.lastIndex = start;
  return match.exec(text)?.[0].length ?? 0;
}

function nonStandardToken(text: string, i: number): { replacement: string; length: number } | null {
  for (const word of ["NaN", "Infinity", "-Infinity"]) {
    if (text.startsWith(word, i)) return { replacement: `"${word}"`, length: word.length };
  }
  const c = text.charCodeAt(i);
  if (!isNumberStart(c)) return null;
  const length = numberLength(text, i);
  if (length === 0) return null;
  const literal = text.slice(i, i + length);
  if (/[.eE]/.test(literal) || Number.isSafeInteger(Number(literal))) return null;
  return { replacement: `"${literal}"`, length };
}
