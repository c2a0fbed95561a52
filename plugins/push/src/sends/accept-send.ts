/**
 * @module Accepting a send: validate, resolve the recipients, and record the send, its recipient snapshot and its
 * chunk outbox in ONE transaction. A send to a user, tags or every device that is due at one moment has its snapshot
 * built by the database (insert-snapshot.ts); device lists, raw tokens and local-time sends go through the process. Publishing happens after commit (publish-due-chunks.ts); if the process dies in
 * between, the release job publishes what the outbox still owes, so an accepted send is never silently lost.
 */
import { createHash } from 'node:crypto';
import { ConflictError, type Database, InputError } from '@switchboard/sdk';
import { PushChunk } from '../entities/chunk.js';
import { PushSend, type PushSendRow } from '../entities/send.js';
import type { components } from '../generated/openapi.js';
import { newId } from '../ids.js';
import { type PushPlatform, validateNotification } from '../providers/index.js';
import { isUniqueViolation } from '../store/is-unique-violation.js';
import type { AcceptTrace } from './accept-trace.js';
import { audienceOf, insertSnapshot, isFilterTarget, targetedPlatforms } from './insert-snapshot.js';
import { assertTimeZone, zonedTimeToUtc } from './local-time.js';
import { type RecipientSnapshot, resolveRecipients, targetKind } from './resolve-recipients.js';
import type { StoredNotification } from './stored-notification.js';
import { AT_ONCE_MAX_RECIPIENTS, writeSendAtOnce, writesAtOnce } from './write-send-at-once.js';

type NewSend = components['schemas']['NewSend'];

export interface Accepted {
  send: PushSendRow;
  duplicate: boolean;
  /** Chunks written to the outbox (0 for a duplicate). */
  chunks: number;
}

const INSERT_BATCH = 500;

const hashOf = (body: NewSend): string => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/** The notification as every platform and every locale variant will see it: provider limits checked now, not per recipient. */
const checkNotification = (n: StoredNotification, platforms: PushPlatform[]) => {
  const { localized, ...base } = n;
  const targets = platforms.length ? platforms : (['ios', 'android', 'web'] as PushPlatform[]);
  validateNotification(base, '/body/notification', targets);
  for (const [locale, text] of Object.entries(localized ?? {}))
    validateNotification({ ...base, ...text }, `/body/notification/localized/${locale}`, targets);
};

/** When each recipient is due: now, `sendAt`, or `sendAtLocal` on the device's own clock. */
const dueTimes = (
  body: NewSend,
  recipients: readonly (RecipientSnapshot | null)[],
  now: number,
): { due: number[]; sendAt: Date | null } => {
  if (body.sendAt && body.sendAtLocal)
    throw new InputError('Give sendAt or sendAtLocal, not both', { code: 'INVALID_SCHEDULE', details: { pointer: '/body/sendAtLocal' } });
  if (body.sendAt) {
    const at = Math.max(now, Date.parse(body.sendAt));
    return { due: recipients.map(() => at), sendAt: new Date(at) };
  }
  if (body.sendAtLocal) {
    const fallback = body.defaultTimeZone ?? 'UTC';
    assertTimeZone(fallback, '/body/defaultTimeZone');
    const due = recipients.map((r) => Math.max(now, zonedTimeToUtc(body.sendAtLocal as string, r?.timeZone ?? fallback).getTime()));
    // reduce, not Math.min(...due): a spread of 100k arguments overflows the stack.
    const first = due.length ? due.reduce((a, b) => Math.min(a, b)) : Math.max(now, zonedTimeToUtc(body.sendAtLocal, fallback).getTime());
    return { due, sendAt: new Date(first) };
  }
  return { due: recipients.map(() => now), sendAt: null };
};

/**
 * @example
 * const { send, duplicate } = await acceptSend(db, { appId, body, idempotencyKey, chunkSize: 500 });
 */
export const acceptSend = async (
  db: Database,
  input: { appId: string; body: NewSend; idempotencyKey?: string; chunkSize: number; snapshotBatchSize?: number; trace?: AcceptTrace },
): Promise<Accepted> => {
  const { appId, body, idempotencyKey, chunkSize, trace } = input;
  const requestHash = hashOf(body);

  const earlier = async (): Promise<Accepted | null> => {
    if (!idempotencyKey) return null;
    const send = await db.findOne(PushSend, { appId, idempotencyKey });
    if (!send) return null;
    if (send.requestHash !== requestHash) {
      throw new ConflictError('This Idempotency-Key was used for a different request', {
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: { sendId: send.id },
      });
    }
    return { send, duplicate: true, chunks: 0 };
  };
  const before = await earlier();
  if (before) return before;
  trace?.mark('idempotency');

  const now = Date.now();
  const createdAt = new Date(now);
  const id = newId('snd', now);
  const notification = body.notification as StoredNotification;

  let created: PushSendRow | undefined;
  let chunkCount = 0;
  /** The send row and its chunk outbox, in the transaction that holds its recipients. */
  const sendRow = (count: number, chunks: { seq: number; dueAt: Date }[], sendAt: Date | null) => {
    const scheduled = chunks.some((c) => c.dueAt.getTime() > now);
    return {
      id,
      appId,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      status: count === 0 ? 'completed' : scheduled ? 'scheduled' : 'queued',
      target: body.target as Record<string, unknown>,
      notification,
      recipientCount: count,
      sendAt,
      completedAt: count === 0 ? createdAt : null,
      notifiedAt: null,
      createdAt,
      updatedAt: createdAt,
    } satisfies Partial<PushSendRow>;
  };
  const record = async (tx: Database, count: number, chunks: { seq: number; dueAt: Date }[], sendAt: Date | null) => {
    chunkCount = chunks.length;
    created = tx.create(PushSend, sendRow(count, chunks, sendAt));
    await tx.flush();
    trace?.mark('tx.send');
    const chunkRows = chunks.map((c) => ({ sendId: id, seq: c.seq, dueAt: c.dueAt, publishedAt: null }));
    for (let i = 0; i < chunkRows.length; i += INSERT_BATCH) await tx.insertMany(PushChunk, chunkRows.slice(i, i + INSERT_BATCH));
    trace?.mark('tx.chunks');
  };

  try {
    targetKind(body.target);
    if (isFilterTarget(body.target) && !body.sendAtLocal) {
      // A user, a tag expression or every device, all due at one moment: the snapshot is built by the database.
      const where = audienceOf(appId, body.target);
      try {
        checkNotification(notification, []);
      } catch {
        // Fails for some platform: only an error if the target reaches that platform.
        checkNotification(notification, await targetedPlatforms(db, where));
      }
      const { due, sendAt } = dueTimes(body, [null], now);
      const dueAt = new Date(due[0]);
      trace?.mark('check');
      await db.transactional(async (tx) => {
        trace?.mark('tx.begin');
        const count = await insertSnapshot(tx, { sendId: id, where, chunkSize, dueAt, now: createdAt, batchSize: input.snapshotBatchSize });
        const chunks = Array.from({ length: Math.ceil(count / chunkSize) }, (_, seq) => ({ seq, dueAt }));
        trace?.mark('tx.snapshot');
        await record(tx, count, chunks, sendAt);
      });
      trace?.mark('commit');
    } else {
      const recipients = await resolveRecipients(db, appId, body.target);
      trace?.mark('resolve');
      checkNotification(notification, [...new Set(recipients.map((r) => r.platform))]);
      const { due, sendAt } = dueTimes(body, recipients, now);

      // Recipients due at the same moment travel together; a chunk never mixes due times.
      const order = recipients.map((_, i) => i).sort((a, b) => due[a] - due[b]);
      const chunks: { seq: number; dueAt: Date }[] = [];
      const chunkOf = new Array<number>(recipients.length);
      let inChunk = 0;
      for (const i of order) {
        const last = chunks[chunks.length - 1];
        if (!last || inChunk >= chunkSize || last.dueAt.getTime() !== due[i]) {
          chunks.push({ seq: chunks.length, dueAt: new Date(due[i]) });
          inChunk = 0;
        }
        chunkOf[i] = chunks.length - 1;
        inChunk++;
      }
      trace?.mark('check');
      if (recipients.length <= AT_ONCE_MAX_RECIPIENTS && writesAtOnce(db)) {
        // One round trip instead of five (write-send-at-once.ts); the same rows in the same transaction.
        const row = sendRow(recipients.length, chunks, sendAt);
        await writeSendAtOnce(
          db,
          row,
          chunks,
          order.map((i) => {
            const r = recipients[i];
            return {
              chunk: chunkOf[i],
              deviceId: r.deviceId,
              token: r.token,
              platform: r.platform,
              locale: r.locale,
              dueAt: new Date(due[i]),
            };
          }),
        );
        trace?.mark('write');
        chunkCount = chunks.length;
        created = row as PushSendRow;
        return { send: created, duplicate: false, chunks: chunkCount };
      }
      await db.transactional(async (tx) => {
        trace?.mark('tx.begin');
        await record(tx, recipients.length, chunks, sendAt);
        // Plain multi-row INSERTs: the ORM's insertMany cost more CPU per row than the database did.
        for (let from = 0; from < order.length; from += INSERT_BATCH) {
          const batch = order.slice(from, from + INSERT_BATCH);
          const params: unknown[] = [];
          for (const i of batch) {
            const r = recipients[i];
            params.push(id, chunkOf[i], r.deviceId, r.token, r.platform, r.locale, new Date(due[i]), createdAt);
          }
          await tx.getConnection().execute(
            `insert into push_recipient (send_id, chunk, device_id, token, platform, locale, due_at, updated_at, status, attempts, token_retired)
               values ${batch.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, 0)").join(', ')}`,
            params,
            'run',
            tx.getTransactionContext(),
          );
        }
        trace?.mark('tx.recipients');
      });
      trace?.mark('commit');
    }
  } catch (e) {
    // The same Idempotency-Key raced in from another request: that one was recorded; answer with it.
    if (!idempotencyKey || !isUniqueViolation(e)) throw e;
    db.clear();
    const raced = await earlier();
    if (raced) return raced;
    throw e;
  }
  // The row as written (no read back): the handler answers from it and publishes its chunks.
  if (!created) throw new Error(`send ${id} was not recorded`);
  return { send: created, duplicate: false, chunks: chunkCount };
};
