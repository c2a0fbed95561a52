/** @module Marks a send `completed` (or `failed` when nothing was delivered) once no recipient is left queued. */
import type { Database, Logger, QueueService } from '@switchboard/sdk';
import { PushSend } from '../entities/send.js';
import { sendTotals } from '../sends/send-totals.js';
import { queueSendWebhook } from '../webhooks/notify-queue.js';

/** Idempotent and race-safe: the status only moves from an open state, so two chunks finishing together settle it once. */
export const finishSendIfDone = async (db: Database, sendId: string): Promise<boolean> => {
  // Is any recipient still queued? One row answers it; a count would walk every queued row of a big send per chunk.
  const open = await db
    .getConnection()
    .execute("select id from push_recipient where send_id = ? and status = 'queued' limit 1", [sendId], 'all', db.getTransactionContext());
  if (open.length > 0) return false;
  const totals = await sendTotals(db, sendId);
  const failed = totals.recipients > totals.cancelled && totals.delivered === 0;
  const n = await db.nativeUpdate(
    PushSend,
    { id: sendId, status: { $in: ['queued', 'sending', 'scheduled'] } },
    { status: failed ? 'failed' : 'completed', completedAt: new Date() },
  );
  return n > 0;
};

/**
 * Finishes the send if it is done and queues its webhook. A failed publish is only logged: the release job
 * re-queues webhooks still owed for finished sends, so failing the chunk here would only resend nothing.
 */
export const settleSend = async (db: Database, queue: QueueService, log: Logger, sendId: string): Promise<void> => {
  if (!(await finishSendIfDone(db, sendId))) return;
  await queueSendWebhook(queue, sendId).catch((err) =>
    log.warn({ err, sendId }, 'could not queue the push webhook; the release job will queue it'),
  );
};
