/** Deep copy of JSON-like data (plain objects, arrays, Dates). Faster than structuredClone for small values. */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  if (isEmpty(value as Record<string, unknown>)) return out as T;
  for (const [k, v] of Object.entries(value)) {
    // A "__proto__" key is data (JSON.parse makes it an own key); plain assignment would take it
    // as the copy's prototype.
    if (k === "__proto__") {
      Object.defineProperty(out, k, {
        value: cloneJson(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[k] = cloneJson(v);
  }
  return out as T;
}

/** True for an object with no own keys; used to avoid storing and cloning empty metadata. */
export function isEmpty(value: Record<string, unknown> | undefined): boolean {
  if (!value) return true;
  for (const _ in value) return false;
  return true;
}

/** Freezes JSON-like data in place, all the way down, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
