/**
 * @module Releases due work every two seconds: scheduled chunks whose time came, and chunks whose publish after
 * commit failed or never happened (a crash between commit and publish). The outbox table is the truth, so a run
 * that was skipped or interrupted loses nothing: the next run finds every chunk still owed. It also re-queues the
 * webhooks of finished sends whose queueing was lost.
 */
import { coreServices, defineJob } from '@switchboard/sdk';
import { publishDueChunks } from '../sends/publish-chunks.js';
import { requeueOwedWebhooks } from '../sends/requeue-owed-webhooks.js';

export const releaseDueChunks = defineJob({
  name: 'release-due-chunks',
  every: '2s',
  timeout: '1m',
  scope: 'global',
  // Each run releases everything due, so running every missed tick after downtime would only repeat the first.
  misfire: 'skip',
  deps: { db: coreServices.database, log: coreServices.logger, queue: coreServices.queue },
  run: async ({ signal }, { db, log, queue }) => {
    let released = 0;
    for (let batch = 0; batch < 20 && !signal.aborted; batch++) {
      const n = await publishDueChunks(db, queue, log, { limit: 500 });
      released += n;
      if (n < 500) break;
    }
    const webhooks = await requeueOwedWebhooks(db, queue, log);
    if (released > 0 || webhooks > 0) log.info({ released, webhooks }, 'push work released');
  },
});
