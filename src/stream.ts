import { ValidationError } from "./errors.js";
import type { StreamIO } from "./stream-turn.js";
import type { SessionMessage } from "./types.js";

/** A reader's state as the garbage collector's callback sees it (never the reader itself). */
interface ReaderState {
  stop: AbortController;
  reading: boolean;
}

/** Readers dropped without `return()` while reading: their turn stops once they are collected. */
const abandoned = new FinalizationRegistry<ReaderState>((r) => r.reading && r.stop.abort());

/**
 * The result of `session.streamMessage()`: iterate it for text deltas; `reply` resolves to the
 * stored reply once the turn has ended (or rejects with the turn's error).
 *
 * The turn starts at once, like `sendMessage`. Until someone reads the deltas it runs ahead,
 * buffering them, so `await stream.reply` alone works; once read, it goes at the reader's pace
 * until another call waits for the session (perhaps from the reading loop, which would wait for
 * itself), and then runs ahead to its end.
 * Breaking off the loop while the turn runs stores exactly what was read, marked
 * `finishReason: "aborted"` (before any text: the input alone, marked unanswered, and `reply`
 * rejects); a turn that already ended has stored its whole reply. One reader at a time: a second
 * gets `ValidationError` (field `stream`). A reader dropped without `return()` keeps the
 * session's turn until it is garbage-collected (`for await` always ends properly).
 */
export class MessageStream implements AsyncIterable<string> {
  readonly reply: Promise<SessionMessage>;
  readonly #deltas: string[] = [];
  readonly #stop = new AbortController();
  #taken = 0;
  #paced = false;
  /** Set once another call waits for the session: the turn no longer waits for the reader. */
  #ahead = false;
  #reading = false;
  #ended = false;
  #failure: { error: unknown } | null = null;
  #fail!: (error: unknown) => void;
  /** Set while the reader waits for a delta. */
  #wake: (() => void) | null = null;
  /** Set while the turn waits for the reader to ask for the next delta. */
  #ask: (() => void) | null = null;

  /** @internal `start` runs the turn (see `streamTurn`). */
  constructor(start: (io: StreamIO) => AsyncGenerator<string>) {
    let settle!: (message: SessionMessage) => void;
    this.reply = new Promise<SessionMessage>((resolve, reject) => {
      settle = resolve;
      this.#fail = reject;
    });
    // The caller may only iterate and never look at `reply`: don't report its rejection as unhandled.
    this.reply.catch(() => undefined);
    const io: StreamIO = {
      settle,
      stop: this.#stop.signal,
      taken: () => this.#taken,
      resume: () => this.#answer(),
      runAhead: () => {
        this.#ahead = true;
        this.#answer();
      },
    };
    void this.#pump(start(io));
  }

  /** Moves the turn's deltas into the buffer: ahead of time until read, then when asked. */
  async #pump(source: AsyncGenerator<string>): Promise<void> {
    // A source that does not watch `stop` itself is returned at its next delta; what it does on
    // the way out (storing what was read) may fail like anything else.
    const stop = (): void => {
      this.#answer();
      source.return(undefined).catch((error: unknown) => this.#failed(error));
    };
    this.#stop.signal.addEventListener("abort", stop, { once: true });
    try {
      for (;;) {
        if (this.#paced && !this.#ahead && this.#wake === null) {
          await new Promise<void>((resolve) => (this.#ask = resolve));
        }
        const next = await source.next();
        if (next.done) break;
        // After the reader left, the turn stores what was read: the rest is no one's to read.
        if (!this.#stop.signal.aborted) this.#deltas.push(next.value);
        this.#wakeReader();
      }
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#stop.signal.removeEventListener("abort", stop);
      this.#ended = true;
      this.#wakeReader();
    }
  }

  #failed(error: unknown): void {
    this.#failure ??= { error };
    this.#fail(error);
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #answer(): void {
    const ask = this.#ask;
    this.#ask = null;
    ask?.();
  }

  [Symbol.asyncIterator](): AsyncGenerator<string> {
    const state: ReaderState = { stop: this.#stop, reading: false };
    const reader = this.#read(state);
    abandoned.register(reader, state);
    return reader;
  }

  async *#read(state: ReaderState): AsyncGenerator<string> {
    if (this.#reading) {
      throw new ValidationError("stream", "is being read already: a stream has one reader");
    }
    this.#reading = state.reading = this.#paced = true;
    try {
      for (;;) {
        const delta = this.#deltas.shift();
        if (delta !== undefined) {
          this.#taken++;
          yield delta;
        } else if (this.#ended) break;
        else {
          const arrived = new Promise<void>((resolve) => (this.#wake = resolve));
          this.#answer();
          await arrived;
        }
      }
      if (this.#failure) throw this.#failure.error;
    } finally {
      this.#reading = state.reading = false;
      // Left before the end: the reader broke off (or threw), so the turn stops at what was read.
      if (!this.#ended) {
        this.#deltas.length = 0;
        this.#stop.abort();
      }
    }
  }

  /** Reads the whole stream (or waits for its reader) and returns the stored reply. */
  async complete(): Promise<SessionMessage> {
    if (this.#reading) return this.reply;
    for await (const delta of this) void delta; // draining: the reply is stored when it ends
    return this.reply;
  }
}
