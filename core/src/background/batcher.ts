/**
 * @module Group commit: calls made while a database round trip is under way wait and go out together in the next
 * one, so a burst of publishes costs a few statements instead of one per message, and a lone call still goes out at
 * once.
 */

export interface BatcherOptions {
  /** Most items one `flush` receives. */
  maxBatch?: number;
  /** Flushes allowed in flight at once (a pool connection each). */
  maxInFlight?: number;
}

/**
 * `flush` receives the waiting items and returns one result per item, in order; when it throws, every item of that
 * batch fails with the error.
 *
 * @example
 * const claim = batcher((items: Key[]) => claimAll(items));
 * const result = await claim({ queue, key });
 */
export const batcher = <I, O>(flush: (items: I[]) => Promise<O[]>, { maxBatch = 500, maxInFlight = 2 }: BatcherOptions = {}) => {
  const waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;
  let scheduled = false;

  const run = () => {
    scheduled = false;
    while (waiting.length > 0 && inFlight < maxInFlight) {
      const batch = waiting.splice(0, maxBatch);
      inFlight++;
      flush(batch.map((w) => w.item))
        .then(
          (out) => {
            for (const [i, w] of batch.entries()) w.resolve(out[i]);
          },
          (err) => {
            for (const w of batch) w.reject(err);
          },
        )
        .finally(() => {
          inFlight--;
          schedule();
        });
    }
  };
  // setImmediate, not a microtask: the calls of one synchronous burst (a `Promise.all` of publishes) join one batch.
  const schedule = () => {
    if (scheduled || waiting.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(run);
  };

  return (item: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
};
