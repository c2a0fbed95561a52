/** @module Re-queues webhooks of finished sends that were never acknowledged (their queueing was lost in a crash). */
import type { Database, Logger, QueueService } from '@switchboard/sdk';
import { PushSend } from '../entities/send.js';
import { queueSendWebhook } from '../webhooks/notify-queue.js';

/** Sends finished at least this long ago and still unnotified are looked at; younger ones are still in flight. */
const GRACE_MS = 15_000;
/** Older ones have had their chance: a dead-lettered webhook is the operators' to replay. */
const HORIZON_MS = 86_400_000;

export const requeueOwedWebhooks = async (db: Database, queue: QueueService, log: Logger): Promise<number> => {
  const now = Date.now();
  const owed = await db.find(
    PushSend,
    { notifiedAt: null, completedAt: { $gte: new Date(now - HORIZON_MS), $lt: new Date(now - GRACE_MS) } },
    { fields: ['id'], limit: 200, orderBy: { completedAt: 'asc' } },
  );
  let queued = 0;
  for (const send of owed) {
    const r = await queueSendWebhook(queue, send.id).catch((err) => {
      log.warn({ err, sendId: send.id }, 'could not queue an owed push webhook');
      return null;
    });
    if (r && !r.duplicate) queued++;
  }
  return queued;
};
