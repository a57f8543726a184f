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

/** Imports an optional library, turning a missing install into an actionable message. */
export async function importLib<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(`[session] "${name}" is needed for this feature: npm install ${name}`, {
      cause: error,
    });
  }
}
