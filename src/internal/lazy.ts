/** Memoises an async factory: the first call starts it, later calls share the same promise. */
export function lazy<T>(factory: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= factory().catch((error: unknown) => {
      promise = undefined; // a failed open may succeed later (server back up)
      throw error;
    });
    return promise;
  };
}

/** Builds the error a failed `importLib` throws from its message (which has no prefix). */
export type LibErrorFactory = (message: string, cause: unknown) => Error;

const plainError: LibErrorFactory = (message, cause) =>
  new Error(`[session] ${message}`, { cause });

/**
 * Imports an optional library, turning a failed import into an actionable message: thrown as
 * `toError` builds it (a `StorageError`, a `ProviderError`), by default a plain `Error`. Only a
 * library that is not there is told to be installed; one that is there but fails to load (a
 * dependency of its own missing, a Node.js built-in it needs that this Node.js lacks) says why,
 * since the caller's message is often all a user sees (the CLI prints no `cause`).
 */
export async function importLib<T>(
  name: string,
  load: () => Promise<T>,
  toError: LibErrorFactory = plainError,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const reason = rootCause(error);
    const message = isNotInstalled(name, reason)
      ? `"${name}" is needed for this feature: npm install ${name}`
      : `"${name}" is installed but failed to load: ${errorText(reason)}`;
    throw toError(message, error);
  }
}

/**
 * The error at the bottom of `error`'s `cause` chain: a loader between the import and Node.js (a
 * test runner's module mock, a bundler's shim) may wrap Node's error, which says what went wrong.
 */
function rootCause(error: unknown): unknown {
  let current = error;
  // Bounded: a chain may loop back on itself.
  for (let depth = 0; depth < 8; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null || cause === current) break;
    current = cause;
  }
  return current;
}

/**
 * Whether `error` says `name` itself cannot be found. A module-not-found error naming anything
 * else (a dependency of the library, a file of it) comes from an install that is there but broken,
 * which `npm install <name>` would claim to fix while changing nothing.
 */
function isNotInstalled(name: string, error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  // ESM says "Cannot find package 'X' imported from …", CommonJS "Cannot find module 'X'".
  const quoted = `'${name}'`;
  return (
    typeof message === "string" &&
    (message.startsWith(`Cannot find package ${quoted}`) ||
      message.startsWith(`Cannot find module ${quoted}`))
  );
}

function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/**
 * What is wrong with a library's native addon, as advice, when `error` (thrown where the library
 * first loads it: better-sqlite3's `new Database()`, well after the import succeeded) says it is
 * missing or built for another Node.js; otherwise null. An install that skipped install scripts
 * (`--ignore-scripts`, pnpm's default) leaves the package importable without its addon.
 */
export function nativeAddonProblem(name: string, error: unknown): string | null {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== "string") return null;
  const rebuild = `run \`npm rebuild ${name}\``;
  if (message.startsWith("Could not locate the bindings file")) {
    return (
      `${name}'s native addon is missing (its install script did not run): ${rebuild}, ` +
      `or allow its install script (npm's allowScripts, pnpm's onlyBuiltDependencies) and reinstall`
    );
  }
  // Node's own wording (ERR_DLOPEN_FAILED): the addon's version comes first, then this Node's.
  const versions = /NODE_MODULE_VERSION (\d+)\b[\s\S]*NODE_MODULE_VERSION (\d+)\b/.exec(message);
  if (versions) {
    return (
      `${name}'s native addon was built for another Node.js (NODE_MODULE_VERSION ${versions[1]}; ` +
      `this one needs ${versions[2]}): ${rebuild} with the Node.js you run it on`
    );
  }
  // Any other addon dlopen refuses (another OS, CPU or C library, a truncated file): Node's text
  // names the file and the reason, so it is kept.
  if ((error as { code?: unknown }).code === "ERR_DLOPEN_FAILED") {
    return (
      `${name}'s native addon cannot be loaded on this platform (built for another OS, CPU or ` +
      `C library, or damaged): ${rebuild} on this platform. Node.js says: ${message}`
    );
  }
  return null;
}
