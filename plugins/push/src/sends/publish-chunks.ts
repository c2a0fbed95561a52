/**
 * @module Publishes the chunk outbox: every chunk that is due and not yet confirmed by the queue. Called right after
 * a send commits and by the release job. The idempotency key is the chunk's identity, so publishing the same chunk
 * twice (the handler and the job racing, or a retry after a lost confirm) queues it once.
 */
import type { Database, Logger, QueueService } from '@switchboard/sdk';
import { PushChunk, type PushChunkRow } from '../entities/chunk.js';
import { PushSend } from '../entities/send.js';

export const DELIVERY_QUEUE = 'deliveries';

/** Publishes in flight at once. */
const PUBLISH_LANES = 32;

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
  const settled: PushChunkRow[] = [];
  // Publishes in parallel: the queue batches the idempotency claims and the broker's confirms, so a send of 100
  // chunks costs a few round trips instead of 100 sequential ones (MariaDB + RabbitMQ, a 10,000-recipient send's
  // 20 chunks: 455–860 ms one after another, 35 ms in parallel). Marked published in one UPDATE afterwards.
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
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
      settled.push(chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUBLISH_LANES, chunks.length) }, lane));
  for (let i = 0; i < settled.length; i += 500) {
    const ids = settled.slice(i, i + 500).map((c) => c.id);
    await db.nativeUpdate(PushChunk, { id: { $in: ids }, publishedAt: null }, { publishedAt: new Date() });
  }
  const released = [...new Set(settled.map((c) => c.sendId))].filter((id) => statusOf.get(id) === 'scheduled');
  if (released.length) await db.nativeUpdate(PushSend, { id: { $in: released }, status: 'scheduled' }, { status: 'queued' });
  return published;
};

/**
 * Publishes the chunks of a send just accepted as `queued` (every chunk due now), without reading the outbox back:
 * the handler knows the send and its chunk count. Marks what the queue confirmed as published; anything it could not
 * publish stays owed in the outbox for the release job, exactly as with {@link publishDueChunks}.
 *
 * @example
 * await publishAcceptedChunks(db, queue, log, send.id, chunks);
 */
export const publishAcceptedChunks = async (
  db: Database,
  queue: QueueService,
  log: Logger,
  sendId: string,
  chunks: number,
): Promise<number> => {
  const confirmed: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < chunks) {
      const seq = next++;
      const message: ChunkMessage = { sendId, seq, round: 0 };
      try {
        await queue.publish(DELIVERY_QUEUE, message, { idempotencyKey: chunkKey(message) });
        confirmed.push(seq);
      } catch (err) {
        log.warn({ err, sendId, seq }, 'could not publish a push chunk; the release job will try again');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUBLISH_LANES, chunks) }, lane));
  for (let i = 0; i < confirmed.length; i += 500) {
    const seqs = confirmed.slice(i, i + 500);
    await db.nativeUpdate(PushChunk, { sendId, seq: { $in: seqs }, publishedAt: null }, { publishedAt: new Date() });
  }
  return confirmed.length;
};
