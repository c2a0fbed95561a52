/**
 * @module Work that follows an accepted send without holding its answer: publishing the chunks the send just
 * committed to its outbox. Nothing here is needed for durability (the outbox is committed, and the release job
 * publishes whatever is still owed), only for promptness. The plugin's stop hook waits for what is in flight.
 */
import type { Logger } from '@switchboard/sdk';

const inFlight = new Set<Promise<unknown>>();

/** Runs `task` now, without waiting for it; a failure is logged (the release job publishes what stays owed). */
export const afterAccept = (log: Logger, sendId: string, task: () => Promise<unknown>): void => {
  const run: Promise<unknown> = task()
    .catch((err) => log.warn({ err, sendId }, 'publishing an accepted send failed; the release job will publish it'))
    .finally(() => inFlight.delete(run));
  inFlight.add(run);
};

/** Resolves once every publish started so far has finished (the plugin's stop hook). */
export const drainAfterAccept = async (): Promise<void> => {
  while (inFlight.size > 0) await Promise.all(inFlight);
};
