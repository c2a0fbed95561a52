/**
 * @module Publishes the chunk outbox: every chunk that is due and not yet confirmed by the queue. Called right after
 * a send commits and by the release job. The idempotency key is the chunk's identity, so publishing the same chunk
 * twice (the handler and the job racing, or a retry after a lost confirm) queues it once.
 */
import type { Database, Logger, QueueService } from '@switchboard/sdk';
import { PushChunk } from '../entities/chunk.js';
import { PushSend } from '../entities/send.js';

export const DELIVERY_QUEUE = 'deliveries';

export interface ChunkMessage {
  sendId: string;
  seq: number;
  /** 0 for the first delivery; n for the n-th retry round of the chunk's retryable recipients. */
  round: number;
}

export const chunkKey = (m: ChunkMessage): string => `${m.sendId}.${m.seq}.r${m.round}`;

/** Publishes due chunks (of one send, or of all sends); returns how many were confirmed. */
export const publishDueChunks = async (
  db: Database,
  queue: QueueService,
  log: Logger,
  options: { sendId?: string; limit?: number } = {},
): Promise<number> => {
  const now = new Date();
  const chunks = await db.find(
    PushChunk,
    { publishedAt: null, dueAt: { $lte: now }, ...(options.sendId ? { sendId: options.sendId } : {}) },
    { orderBy: { dueAt: 'asc', id: 'asc' }, limit: options.limit ?? 1000 },
  );
  if (chunks.length === 0) return 0;
  const sends = await db.find(PushSend, { id: { $in: [...new Set(chunks.map((c) => c.sendId))] } }, { fields: ['id', 'status'] });
  const statusOf = new Map(sends.map((s) => [s.id, s.status]));
  let published = 0;
  for (const chunk of chunks) {
    const status = statusOf.get(chunk.sendId);
    // A cancelled (or vanished) send's chunks are settled without a message: the cancel already marked its recipients.
    if (status !== 'cancelled' && status !== undefined) {
      const message: ChunkMessage = { sendId: chunk.sendId, seq: chunk.seq, round: 0 };
      try {
        await queue.publish(DELIVERY_QUEUE, message, { idempotencyKey: chunkKey(message) });
      } catch (err) {
        log.warn({ err, sendId: chunk.sendId, seq: chunk.seq }, 'could not publish a push chunk; the release job will try again');
        continue;
      }
      published++;
    }
    await db.nativeUpdate(PushChunk, { id: chunk.id, publishedAt: null }, { publishedAt: new Date() });
    if (status === 'scheduled') await db.nativeUpdate(PushSend, { id: chunk.sendId, status: 'scheduled' }, { status: 'queued' });
  }
  return published;
};
