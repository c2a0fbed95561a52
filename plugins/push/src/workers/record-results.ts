/**
 * @module Writes one delivery attempt's results. Every write is conditional on the recipient still being `queued`
 * with the attempt count it was read with, so a redelivered chunk (at-least-once queues) cannot count a result
 * twice. Unregistered tokens retire their device, unless the device registered again after APNs' 410 timestamp.
 */
import type { Database } from '@switchboard/sdk';
import { PushDevice } from '../entities/device.js';
import { PushRecipient } from '../entities/recipient.js';
import type { DeliveryResult } from '../providers/index.js';
import type { QueuedRecipient } from './load-recipients.js';

export interface Outcome {
  recipient: QueuedRecipient;
  provider: string | null;
  result: DeliveryResult;
}

const clip = (s: string | undefined, n: number) => (s === undefined ? null : s.slice(0, n));

/** Rows per batched UPDATE: 500 ids and message ids stay far below every driver's placeholder limit. */
const BATCH = 500;

/**
 * Marks delivered recipients in one UPDATE per batch instead of one per recipient (a chunk of 500 took 400–900 ms
 * one by one on MariaDB under load, 5–10× its provider round trip). The condition per row is the same as the
 * one-by-one write: still `queued`, with the attempt count it was read with (the batch shares it). `updated_at` is
 * set in the same statement: both drivers store a Date parameter as the ORM does (checked by test/push).
 */
const markDelivered = async (db: Database, outcomes: Outcome[]): Promise<void> => {
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const key = JSON.stringify([o.provider, o.recipient.attempts, o.result.httpStatus ?? null, clip(o.result.detail, 500)]);
    const group = groups.get(key);
    if (group) group.push(o);
    else groups.set(key, [o]);
  }
  const ctx = db.getTransactionContext();
  const connection = db.getConnection();
  const now = new Date();
  for (const group of groups.values()) {
    const { provider, recipient, result } = group[0];
    for (let i = 0; i < group.length; i += BATCH) {
      const batch = group.slice(i, i + BATCH);
      const ids = batch.map((o) => o.recipient.id);
      const cases = batch.map(() => 'when ? then ?').join(' ');
      const params: unknown[] = [provider, result.httpStatus ?? null, clip(result.detail, 500), now];
      for (const o of batch) {
        params.push(o.recipient.id, o.result.status === 'delivered' ? clip(o.result.providerMessageId, 255) : null);
      }
      params.push(...ids, recipient.attempts);
      await connection.execute(
        `update push_recipient set status = 'delivered', attempts = attempts + 1, provider = ?, http_status = ?, detail = ?,
                updated_at = ?, reason = null, provider_message_id = case id ${cases} end
          where id in (${ids.map(() => '?').join(', ')}) and status = 'queued' and attempts = ?`,
        params,
        'run',
        ctx,
      );
    }
  }
};

/** Returns the recipients that still need another attempt, with the longest Retry-After asked for. */
export const recordResults = async (
  db: Database,
  outcomes: Outcome[],
  maxAttempts: number,
): Promise<{ retry: QueuedRecipient[]; retryAfterMs: number }> => {
  const retry: QueuedRecipient[] = [];
  let retryAfterMs = 0;
  await db.transactional(async (tx) => {
    await markDelivered(
      tx,
      outcomes.filter((o) => o.result.status === 'delivered'),
    );
    for (const { recipient: r, provider, result } of outcomes) {
      const attempts = r.attempts + 1;
      const base = {
        attempts,
        provider,
        httpStatus: result.httpStatus ?? null,
        detail: clip(result.detail, 500),
        updatedAt: new Date(),
      };
      const where = { id: r.id, status: 'queued' as const, attempts: r.attempts };
      if (result.status === 'delivered') {
        // Written in batches above.
      } else if (result.status === 'permanent') {
        await tx.nativeUpdate(PushRecipient, where, { ...base, status: 'failed', reason: clip(result.reason, 64) });
      } else if (result.status === 'retryable') {
        const last = attempts >= maxAttempts;
        const n = await tx.nativeUpdate(PushRecipient, where, {
          ...base,
          status: last ? 'failed' : 'queued',
          reason: clip(result.reason, 64),
          detail: last ? clip(`gave up after ${attempts} attempts: ${result.detail ?? result.reason}`, 500) : base.detail,
        });
        if (!last && n > 0) {
          retry.push(r);
          retryAfterMs = Math.max(retryAfterMs, result.retryAfterMs ?? 0);
        }
      } else {
        let retired = false;
        if (r.deviceId) {
          // Apple's timestamp says when the token stopped working; a registration after that is a live token again.
          const newer = result.unregisteredAtMs ? { registeredAt: { $lt: new Date(result.unregisteredAtMs) } } : {};
          retired =
            (await tx.nativeUpdate(
              PushDevice,
              { id: r.deviceId, token: r.token, status: 'active', ...newer },
              { status: 'retired', retiredReason: clip(result.reason, 64), retiredAt: new Date() },
            )) > 0;
        }
        await tx.nativeUpdate(PushRecipient, where, {
          ...base,
          status: 'unregistered',
          reason: clip(result.reason, 64),
          tokenRetired: retired,
        });
      }
    }
  });
  return { retry, retryAfterMs };
};
