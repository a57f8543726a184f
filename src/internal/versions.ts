/**
 * Counts the changes a manager makes to each session's record (provider, model, provider state,
 * status), so that a `Session` object can tell that another object for the same session changed
 * it and re-read the record before its next turn. Only changed sessions have an entry.
 */
export class RecordVersions {
  readonly #versions = new Map<string, number>();

  of(sessionId: string): number {
    return this.#versions.get(sessionId) ?? 0;
  }

  bump(sessionId: string): number {
    const next = this.of(sessionId) + 1;
    this.#versions.set(sessionId, next);
    return next;
  }
}
