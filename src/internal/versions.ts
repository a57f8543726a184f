/**
 * Above this many entries the versions start over (see `#startOver`): a process that runs for
 * days and changes millions of sessions keeps a bounded map, not one entry per session it ever
 * touched.
 */
const MAX_ENTRIES = 10_000;
/** Below every version handed out: a record this old is re-read before it is used. */
const STALE = -1;

/**
 * Counts the changes a manager makes to each session's record (provider, model, provider state,
 * status), so that a `Session` object can tell that another object for the same session changed
 * it and re-read the record before its next turn. Only changed sessions have an entry; versions
 * come from one counter, and a session without an entry is at `#base`.
 */
export class RecordVersions {
  readonly #versions = new Map<string, number>();
  #counter = 0;
  #base = 0;

  of(sessionId: string): number {
    return this.#versions.get(sessionId) ?? this.#base;
  }

  /** A mark taken before a storage read, for `ofRead`. */
  mark(): number {
    return this.#counter;
  }

  /**
   * The version of a record read since `mark`: stale (never current) if the session changed
   * while the read was on its way, so the `Session` holding it re-reads before its next turn.
   */
  ofRead(sessionId: string, mark: number): number {
    const version = this.of(sessionId);
    return version > mark ? STALE : version;
  }

  bump(sessionId: string): number {
    if (this.#versions.size >= MAX_ENTRIES) this.#startOver();
    const next = ++this.#counter;
    this.#versions.set(sessionId, next);
    return next;
  }

  /**
   * Forgets every entry. The new base is above every version handed out, so each `Session`
   * re-reads its record once before its next turn: a read more, never a change missed.
   */
  #startOver(): void {
    this.#versions.clear();
    this.#base = ++this.#counter;
  }
}
