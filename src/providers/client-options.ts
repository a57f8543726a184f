import { registerSecret } from "../internal/redact.js";

// Header names that carry credentials: the usual auth headers, cookies (a gateway's session), and
// anything naming a key or token.
export const SECRET_HEADER =
  /^(authorization|proxy-authorization|api-key|x-api-key|cookie|set-cookie)$|key|token|secret/i;

/**
 * Registers for redaction the credentials a user passes outside `apiKey`: values of
 * credential-like `defaultHeaders` (also without their `Bearer ` scheme) and the password and
 * query values of `baseURL`, so an error or log line that quotes them is scrubbed.
 */
export function registerClientSecrets(options: {
  defaultHeaders?: Readonly<Record<string, string>> | undefined;
  baseURL?: string | undefined;
}): void {
  for (const [name, value] of Object.entries(options.defaultHeaders ?? {})) {
    if (!SECRET_HEADER.test(name)) continue;
    registerSecret(value);
    registerSecret(value.replace(/^\s*\S+\s+/, ""));
  }
  const url = parseUrl(options.baseURL);
  if (!url) return;
  registerSecret(decodeURIComponent(url.password));
  for (const value of url.searchParams.values()) registerSecret(value);
}

/** A base URL fit to show: no user name, password, query or fragment (they may hold credentials). */
export function displayUrl(baseURL: string | null | undefined): string | null {
  const url = parseUrl(baseURL);
  if (!url) return null;
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/$/, "");
}

function parseUrl(value: string | null | undefined): URL | null {
  if (!value) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * A `fetch` that marks a 429 `insufficient_quota` answer as not worth retrying
 * (`x-should-retry: false`, which both SDKs obey): the account is out of credit, and the SDK
 * would otherwise spend its retries, and the caller's time, on a call that cannot succeed.
 */
export function quotaAwareFetch(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status !== 429) return response;
    const body = await response.text();
    const headers = new Headers(response.headers);
    // The body is now decoded text: its original encoding and length no longer apply.
    headers.delete("content-encoding");
    headers.delete("content-length");
    if (isOutOfQuota(body)) headers.set("x-should-retry", "false");
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

function isOutOfQuota(body: string): boolean {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; type?: unknown } }).error;
    return error?.code === "insufficient_quota" || error?.type === "insufficient_quota";
  } catch {
    return false;
  }
}
