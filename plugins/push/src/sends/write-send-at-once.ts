/**
 * @module A small send's rows (the send, its chunk outbox, its recipients) written in ONE round trip on MariaDB: a
 * compound statement (`BEGIN NOT ATOMIC … END`) that opens a transaction, inserts, and commits, or rolls back and
 * re-raises the error (a duplicate Idempotency-Key still surfaces as a unique violation). The same transaction as the
 * ORM path's BEGIN, 3 INSERTs and COMMIT, in one statement instead of five: on a machine short of CPU each round trip
 * to the database waits for the database's thread and then the replica's to be scheduled, and those waits were most
 * of a small send's accept time while a big send was delivered (docs/assets/push.md, "Where a small send's accept
 * waited").
 * MySQL has no compound statements outside stored programs, and SQLite needs no round trips: they keep the ORM path.
 */
import type { Database } from '@switchboard/sdk';

/** Recipients per send written this way; bigger device lists take the ORM path (a statement of bounded size). */
export const AT_ONCE_MAX_RECIPIENTS = 500;

/** Whether the database runs compound statements outside stored programs (MariaDB does, MySQL and SQLite do not). */
export const writesAtOnce = (db: Database): boolean => db.getPlatform().constructor.name === 'MariaDbPlatform';

export interface SendRowValues {
  id: string;
  appId: string;
  idempotencyKey: string | null;
  requestHash: string;
  status: string;
  target: Record<string, unknown>;
  notification: unknown;
  recipientCount: number;
  sendAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
}

export interface RecipientValues {
  chunk: number;
  deviceId: string | null;
  token: string;
  platform: string;
  locale: string | null;
  dueAt: Date;
}

/**
 * @example
 * await writeSendAtOnce(db, send, [{ seq: 0, dueAt }], recipients);
 */
export const writeSendAtOnce = async (
  db: Database,
  send: SendRowValues,
  chunks: readonly { seq: number; dueAt: Date }[],
  recipients: readonly RecipientValues[],
): Promise<void> => {
  const statements = [
    `insert into push_send (id, app_id, idempotency_key, request_hash, status, target, notification, recipient_count, send_at,
       completed_at, notified_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?)`,
  ];
  const params: unknown[] = [
    send.id,
    send.appId,
    send.idempotencyKey,
    send.requestHash,
    send.status,
    JSON.stringify(send.target),
    JSON.stringify(send.notification),
    send.recipientCount,
    send.sendAt,
    send.completedAt,
    send.createdAt,
    send.createdAt,
  ];
  if (chunks.length > 0) {
    statements.push(`insert into push_chunk (send_id, seq, due_at, published_at) values ${chunks.map(() => '(?, ?, ?, null)').join(', ')}`);
    for (const c of chunks) params.push(send.id, c.seq, c.dueAt);
  }
  if (recipients.length > 0) {
    statements.push(
      `insert into push_recipient (send_id, chunk, device_id, token, platform, locale, due_at, updated_at, status, attempts, token_retired)
         values ${recipients.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, 0)").join(', ')}`,
    );
    for (const r of recipients) params.push(send.id, r.chunk, r.deviceId, r.token, r.platform, r.locale, r.dueAt, send.createdAt);
  }
  await db
    .getConnection()
    .execute(
      `begin not atomic declare exit handler for sqlexception begin rollback; resignal; end; start transaction; ${statements.join('; ')}; commit; end`,
      params,
      'run',
    );
};
