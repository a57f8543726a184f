/**
 * A streamed reply that stops sending events: both SDKs time a request only until its response
 * headers arrive, so a stream that stalls after some text would hold its turn for ever.
 */
export class StreamStalledError extends Error {
  constructor(readonly ms: number) {
    super(`the stream stalled: no event for ${ms} ms`);
    this.name = "StreamStalledError";
  }
}

/** What an SDK stream offers to stop it: aborting its controller ends a pending read. */
interface AbortableStream<T> extends AsyncIterable<T> {
  controller?: { abort(): void };
}

/**
 * Iterates an SDK stream, failing with `StreamStalledError` when `ms` pass between two events
 * (the same bound the SDK puts on the wait for the response). Breaking off closes the stream.
 */
export async function* untilStalled<T>(
  stream: AbortableStream<T>,
  ms: number | undefined,
): AsyncGenerator<T> {
  const { controller } = stream;
  // A client of the caller's own making may lack either; its stream then goes unguarded.
  if (typeof ms !== "number" || !(ms > 0) || typeof controller?.abort !== "function") {
    yield* stream;
    return;
  }
  const events = stream[Symbol.asyncIterator]();
  let stalled = false;
  let done = false;
  try {
    while (!done) {
      const timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, ms);
      let next: IteratorResult<T>;
      try {
        next = await events.next();
      } catch (error) {
        throw stalled ? new StreamStalledError(ms) : error;
      } finally {
        clearTimeout(timer);
      }
      // An SDK stream whose controller is aborted may just end: that is the stall too.
      if (stalled) throw new StreamStalledError(ms);
      done = next.done === true;
      if (!done) yield next.value as T;
    }
  } finally {
    if (!done) await events.return?.();
  }
}
