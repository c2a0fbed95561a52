/**
 * @module Accepting a send: validate, resolve the recipients, and record the send, its recipient snapshot and its
 * chunk outbox in ONE transaction. Publishing happens after commit (publish-due-chunks.ts); if the process dies in
 * between, the release job publishes what the outbox still owes, so an accepted send is never silently lost.
 */
import { createHash } from 'node:crypto';
import { ConflictError, type Database, InputError } from '@switchboard/sdk';
import { PushChunk } from '../entities/chunk.js';
import { PushRecipient } from '../entities/recipient.js';
import { PushSend, type PushSendRow } from '../entities/send.js';
import type { components } from '../generated/openapi.js';
import { newId } from '../ids.js';
import { type PushPlatform, validateNotification } from '../providers/index.js';
import { isUniqueViolation } from '../store/is-unique-violation.js';
import { assertTimeZone, zonedTimeToUtc } from './local-time.js';
import { type RecipientSnapshot, resolveRecipients } from './resolve-recipients.js';
import type { StoredNotification } from './stored-notification.js';

type NewSend = components['schemas']['NewSend'];

export interface Accepted {
  send: PushSendRow;
  duplicate: boolean;
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
const dueTimes = (body: NewSend, recipients: RecipientSnapshot[], now: number): { due: number[]; sendAt: Date | null } => {
  if (body.sendAt && body.sendAtLocal)
    throw new InputError('Give sendAt or sendAtLocal, not both', { code: 'INVALID_SCHEDULE', details: { pointer: '/body/sendAtLocal' } });
  if (body.sendAt) {
    const at = Math.max(now, Date.parse(body.sendAt));
    return { due: recipients.map(() => at), sendAt: new Date(at) };
  }
  if (body.sendAtLocal) {
    const fallback = body.defaultTimeZone ?? 'UTC';
    assertTimeZone(fallback, '/body/defaultTimeZone');
    const due = recipients.map((r) => Math.max(now, zonedTimeToUtc(body.sendAtLocal as string, r.timeZone ?? fallback).getTime()));
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
  input: { appId: string; body: NewSend; idempotencyKey?: string; chunkSize: number },
): Promise<Accepted> => {
  const { appId, body, idempotencyKey, chunkSize } = input;
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
    return { send, duplicate: true };
  };
  const before = await earlier();
  if (before) return before;

  const recipients = await resolveRecipients(db, appId, body.target);
  checkNotification(body.notification as StoredNotification, [...new Set(recipients.map((r) => r.platform))]);
  const now = Date.now();
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

  const id = newId('snd', now);
  const scheduled = chunks.some((c) => c.dueAt.getTime() > now);
  const createdAt = new Date(now);
  try {
    await db.transactional(async (tx) => {
      tx.create(PushSend, {
        id,
        appId,
        idempotencyKey: idempotencyKey ?? null,
        requestHash,
        status: recipients.length === 0 ? 'completed' : scheduled ? 'scheduled' : 'queued',
        target: body.target as Record<string, unknown>,
        notification: body.notification as StoredNotification,
        recipientCount: recipients.length,
        sendAt,
        completedAt: recipients.length === 0 ? createdAt : null,
        notifiedAt: null,
        createdAt,
        updatedAt: createdAt,
      });
      await tx.flush();
      const rows = order.map((i) => ({
        sendId: id,
        chunk: chunkOf[i],
        deviceId: recipients[i].deviceId,
        token: recipients[i].token,
        platform: recipients[i].platform,
        locale: recipients[i].locale,
        status: 'queued' as const,
        attempts: 0,
        provider: null,
        providerMessageId: null,
        reason: null,
        detail: null,
        httpStatus: null,
        tokenRetired: false,
        dueAt: new Date(due[i]),
        updatedAt: createdAt,
      }));
      for (let i = 0; i < rows.length; i += INSERT_BATCH) await tx.insertMany(PushRecipient, rows.slice(i, i + INSERT_BATCH));
      const chunkRows = chunks.map((c) => ({ sendId: id, seq: c.seq, dueAt: c.dueAt, publishedAt: null }));
      for (let i = 0; i < chunkRows.length; i += INSERT_BATCH) await tx.insertMany(PushChunk, chunkRows.slice(i, i + INSERT_BATCH));
    });
  } catch (e) {
    // The same Idempotency-Key raced in from another request: that one was recorded; answer with it.
    if (!idempotencyKey || !isUniqueViolation(e)) throw e;
    db.clear();
    const raced = await earlier();
    if (raced) return raced;
    throw e;
  }
  const send = await db.findOneOrFail(PushSend, { id });
  return { send, duplicate: false };
};
