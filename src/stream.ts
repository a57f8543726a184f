import type { SessionMessage } from "./types.js";

/**
 * The result of `session.streamMessage()`: iterate it for text deltas; `reply` resolves to the
 * stored reply once the stream has ended (or rejects with the turn's error).
 */
export class MessageStream implements AsyncIterable<string> {
  readonly reply: Promise<SessionMessage>;
  readonly #source: AsyncGenerator<string>;
  #resolve!: (message: SessionMessage) => void;
  #reject!: (error: unknown) => void;

  /** @internal */
  constructor(start: (settle: (message: SessionMessage) => void) => AsyncGenerator<string>) {
    this.reply = new Promise<SessionMessage>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // The caller may only iterate and never look at `reply`: don't report its rejection as unhandled.
    this.reply.catch(() => undefined);
    this.#source = start((message) => this.#resolve(message));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    try {
      yield* this.#source;
    } catch (error) {
      this.#reject(error);
      throw error;
    }
  }

  /** Reads the whole stream and returns the stored reply. */
  async complete(): Promise<SessionMessage> {
    const iterator = this[Symbol.asyncIterator]();
    while (!(await iterator.next()).done) {
      // draining: the reply is stored when the stream ends
    }
    return this.reply;
  }
}
