/**
 * @module Writes one delivery attempt's results. Every write is conditional on the recipient still being `queued`
 * with the attempt count it was read with, so a redelivered chunk (at-least-once queues) cannot count a result
 * twice. Unregistered tokens retire their device, unless the device registered again after APNs' 410 timestamp.
 */
import type { Database } from '@switchboard/sdk';
import { PushDevice } from '../entities/device.js';
import { PushRecipient, type PushRecipientRow } from '../entities/recipient.js';
import type { DeliveryResult } from '../providers/index.js';

export interface Outcome {
  recipient: PushRecipientRow;
  provider: string | null;
  result: DeliveryResult;
}

const clip = (s: string | undefined, n: number) => (s === undefined ? null : s.slice(0, n));

/** Returns the recipients that still need another attempt, with the longest Retry-After asked for. */
export const recordResults = async (
  db: Database,
  outcomes: Outcome[],
  maxAttempts: number,
): Promise<{ retry: PushRecipientRow[]; retryAfterMs: number }> => {
  const retry: PushRecipientRow[] = [];
  let retryAfterMs = 0;
  await db.transactional(async (tx) => {
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
        await tx.nativeUpdate(PushRecipient, where, {
          ...base,
          status: 'delivered',
          providerMessageId: clip(result.providerMessageId, 255),
          reason: null,
        });
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
