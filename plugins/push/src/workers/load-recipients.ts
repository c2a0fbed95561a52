/**
 * @module A chunk's recipients still waiting for a result, read with plain SQL: the worker needs six columns, not
 * 500 hydrated, change-tracked entities (the ORM was most of the worker's own CPU per recipient).
 */
import type { Database } from '@switchboard/sdk';

/** What delivering and recording one recipient needs. */
export interface QueuedRecipient {
  id: number;
  deviceId: string | null;
  token: string;
  platform: string;
  locale: string | null;
  /** Deliveries tried so far: every result write is conditional on it. */
  attempts: number;
}

interface Row {
  id: number | string;
  device_id: string | null;
  token: string;
  platform: string;
  locale: string | null;
  attempts: number | string;
}

/**
 * @example
 * const recipients = await loadQueuedRecipients(db, 'snd_…', 3);
 */
export const loadQueuedRecipients = async (db: Database, sendId: string, chunk: number): Promise<QueuedRecipient[]> => {
  const rows: Row[] = await db.getConnection().execute(
    `select id, device_id, token, platform, locale, attempts from push_recipient
        where send_id = ? and chunk = ? and status = 'queued' order by id`,
    [sendId, chunk],
    'all',
    db.getTransactionContext(),
  );
  return rows.map((r) => ({
    id: Number(r.id),
    deviceId: r.device_id,
    token: r.token,
    platform: r.platform,
    locale: r.locale,
    attempts: Number(r.attempts),
  }));
};
