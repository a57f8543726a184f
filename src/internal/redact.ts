// Provider keys look like sk-..., sk-ant-..., sk-proj-...; error bodies may echo them masked
// ("sk-abc*****xyz"), so anything key-shaped is replaced, masked or not.
const KEY_PATTERN = /\b(?:sk|pk|rk|ak)[-_][A-Za-z0-9_\-*.]{6,}/g;
const BEARER_PATTERN = /(Bearer\s+)[^\s"']+/gi;
// A masked echo of a key of any other shape (Groq's gsk_…, Mistral's bare 32 characters, a
// proxy's own): its first and last characters around a run of stars, "gsk_Q7wE****Nm12".
// The whole token, tried only where a token starts (the look-behind): tried at every position, a
// long run without a separator took quadratic time.
const MASKED_PATTERN = /(?<![^\s"'`,;:()[\]{}])[^\s"'`,;:()[\]{}]*\*{3,}[^\s"'`,;:()[\]{}]*/g;
// A URL's password (`postgres://app:<pw>@host`), which drivers and fetch quote in their errors.
// The password runs to the authority's last "@", as a URL parser reads it ("p@ss" included), and
// stops at a path, whitespace or a quote; the user name is kept, it says which account failed.
// The scheme is bounded: unbounded, a long run like "a.a.a…" was scanned from every position.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'`/:@]*:)[^\s"'`/]*@/gi;
const known = new Set<string>();

/** Registers a secret so that every later `redact` call removes it wherever it appears. */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= 4) known.add(secret);
}

/**
 * Removes API keys (registered ones, anything key-shaped, masked echoes) and URL passwords from
 * a text.
 */
export function redact(text: string): string {
  let out = text;
  for (const secret of known) out = out.split(secret).join("[redacted]");
  return out
    .replace(KEY_PATTERN, "[redacted]")
    .replace(BEARER_PATTERN, "$1[redacted]")
    .replace(MASKED_PATTERN, "[redacted]")
    .replace(URL_PASSWORD, "$1[redacted]@");
}
