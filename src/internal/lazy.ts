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
 * Imports an optional library, turning a missing install into an actionable message: thrown as
 * `toError` builds it (a `StorageError`, a `ProviderError`), by default a plain `Error`.
 */
export async function importLib<T>(
  name: string,
  load: () => Promise<T>,
  toError: LibErrorFactory = plainError,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw toError(`"${name}" is needed for this feature: npm install ${name}`, error);
  }
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
  return null;
}
