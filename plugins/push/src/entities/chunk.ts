/**
 * @module The outbox: one row per queue message a send needs. Written in the send's transaction, published after
 * commit (or by the release job when that publish failed or the chunk is scheduled), so nothing accepted is lost.
 */
import { defineEntity, p } from '@switchboard/sdk';

export const PushChunk = defineEntity({
  name: 'PushChunk',
  tableName: 'push_chunk',
  properties: {
    id: p.integer().primary().autoincrement(),
    sendId: p.string().length(32),
    seq: p.integer(),
    dueAt: p.datetime(3),
    /** Set once the queue confirmed the message; null means the release job still owes the publish. */
    publishedAt: p.datetime(3).nullable(),
  },
});

export type PushChunkRow = InstanceType<typeof PushChunk.class>;
