import type { SessionMessage } from "./types.js";

/** Readers that were dropped without `return()`: their turn stops once they are collected. */
const abandoned = new FinalizationRegistry<AbortController>((stop) => stop.abort());

/**
 * The result of `session.streamMessage()`: iterate it for text deltas; `reply` resolves to the
 * stored reply once the turn has ended (or rejects with the turn's error).
 *
 * The turn starts at once, like `sendMessage`. Until someone reads the deltas it runs ahead,
 * buffering them, so `await stream.reply` alone works; once read, it goes at the reader's pace,
 * so breaking off the loop stores exactly what was read, marked `finishReason: "aborted"`.
 * A reader dropped without `return()` keeps the session's turn until it is garbage-collected;
 * `for await` always ends properly.
 */
export class MessageStream implements AsyncIterable<string> {
  readonly reply: Promise<SessionMessage>;
  readonly #deltas: string[] = [];
  readonly #stop = new AbortController();
  #reading = false;
  #ended = false;
  #failure: { error: unknown } | null = null;
  /** Set while the reader waits for a delta. */
  #wake: (() => void) | null = null;
  /** Set while the turn waits for the reader to ask for the next delta. */
  #ask: (() => void) | null = null;

  /**
   * @internal `start` runs the turn: it yields deltas and hands the stored reply to `settle`;
   * `stop` aborts when the reader breaks off.
   */
  constructor(
    start: (settle: (message: SessionMessage) => void, stop: AbortSignal) => AsyncGenerator<string>,
  ) {
    let settle!: (message: SessionMessage) => void;
    let fail!: (error: unknown) => void;
    this.reply = new Promise<SessionMessage>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // The caller may only iterate and never look at `reply`: don't report its rejection as unhandled.
    this.reply.catch(() => undefined);
    void this.#pump(start(settle, this.#stop.signal), fail);
  }

  /** Moves the turn's deltas into the buffer: ahead of time until read, then when asked. */
  async #pump(source: AsyncGenerator<string>, fail: (error: unknown) => void): Promise<void> {
    const stop = (): void => {
      this.#answer();
      void source.return(undefined).catch(() => undefined);
    };
    this.#stop.signal.addEventListener("abort", stop, { once: true });
    try {
      for (;;) {
        if (this.#reading && this.#wake === null) {
          await new Promise<void>((resolve) => (this.#ask = resolve));
        }
        const next = await source.next();
        if (next.done) break;
        this.#deltas.push(next.value);
        this.#wakeReader();
      }
    } catch (error) {
      this.#failure = { error };
      fail(error);
    } finally {
      this.#stop.signal.removeEventListener("abort", stop);
      this.#ended = true;
      this.#wakeReader();
    }
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
    const reader = this.#read();
    // A reader dropped without return() would keep the session's turn for good: once it is
    // garbage, the turn stops as if it had broken off.
    abandoned.register(reader, this.#stop);
    return reader;
  }

  async *#read(): AsyncGenerator<string> {
    this.#reading = true;
    try {
      for (;;) {
        const delta = this.#deltas.shift();
        if (delta !== undefined) yield delta;
        else if (this.#ended) break;
        else {
          const arrived = new Promise<void>((resolve) => (this.#wake = resolve));
          this.#answer();
          await arrived;
        }
      }
      if (this.#failure) throw this.#failure.error;
    } finally {
      // Left before the end: the reader broke off (or threw), so the turn stops at what was read.
      if (!this.#ended) this.#stop.abort();
    }
  }

  /** Reads the whole stream and returns the stored reply. */
  async complete(): Promise<SessionMessage> {
    for await (const delta of this) void delta; // draining: the reply is stored when it ends
    return this.reply;
  }
}
