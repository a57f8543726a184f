/** The schemes of a connection URL pg takes (`socket:` for a Unix socket's directory). */
export const POSTGRES_SCHEME = /^(?:postgres|postgresql|socket):/i;

/** Whether pg can use `text` as a connection URL: a postgres://, postgresql:// or socket: URL. */
export function isPostgresUrl(text: string): boolean {
  return POSTGRES_SCHEME.test(text) && parsesAsUrl(text);
}

/** As pg parses it: spaces and stray `%` encoded, and a user with no host (`user@/db`) allowed. */
function parsesAsUrl(text: string): boolean {
  const url = /[ ]|%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(text)
    ? encodeURI(text).replace(/%25(\d\d)/g, "%$1")
    : text;
  return URL.canParse(url) || URL.canParse(url.replace("@/", "@___DUMMY___/"));
}
