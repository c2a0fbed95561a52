/**
 * @module How often a redelivered RabbitMQ message was handled alone and never settled (`sb_queue_crash`). The
 * broker's `redelivered` flag says a message came back unsettled, not why: the process may have died in its handler,
 * or in another message's handler, or been stopped before starting it. So the adapter runs a redelivered message with
 * nothing else running in the process and records the start first; a count that keeps growing means this message
 * kills the process, and past the limit it is dead-lettered instead of handled again.
 */
import { type BackgroundStore, isUniqueViolation } from './background-db.js';

/** How many solitary deaths make a message poison, unless the adapter is told otherwise. */
export const DEFAULT_CRASH_LIMIT = 3;

/** The dead-letter reason of a message that kept killing the process. */
export const poisonReason = (deaths: number): string =>
  `POISON_MESSAGE: the worker process died ${deaths} times while handling this message alone (a crash, an out-of-memory kill or an exit in the handler), so it is not handled again`;

export interface CrashLedger {
  /** Records one more solitary start of the message; resolves to how many there were before this one. */
  start(queue: string, messageId: string): Promise<number>;
  /** Forgets the message (dead-lettered or replayed: its count starts again). */
  forget(queue: string, messageId: string): Promise<void>;
  purge(beforeMs: number): Promise<void>;
}

export const createCrashLedger = (store: BackgroundStore): CrashLedger => {
  const { db, ts } = store;
  return {
    async start(queue, messageId) {
      const row = await db
        .selectFrom('sb_queue_crash')
        .select('starts')
        .where('queue', '=', queue)
        .where('message_id', '=', messageId)
        .executeTakeFirst();
      if (row) {
        await db
          .updateTable('sb_queue_crash')
          .set((eb) => ({ starts: eb('starts', '+', 1), updated_at: ts(Date.now()) }))
          .where('queue', '=', queue)
          .where('message_id', '=', messageId)
          .execute();
        return Number(row.starts);
      }
      try {
        await db
          .insertInto('sb_queue_crash')
          .values({ queue, message_id: messageId, starts: 1, updated_at: ts(Date.now()) })
          .execute();
        return 0;
      } catch (err) {
        // A copy of the message (a retry re-published before the original was acked) started at the same time.
        if (!isUniqueViolation(err)) throw err;
        return this.start(queue, messageId);
      }
    },
    async forget(queue, messageId) {
      await db.deleteFrom('sb_queue_crash').where('queue', '=', queue).where('message_id', '=', messageId).execute();
    },
    async purge(beforeMs) {
      await db.deleteFrom('sb_queue_crash').where('updated_at', '<', ts(beforeMs)).execute();
    },
  };
};
