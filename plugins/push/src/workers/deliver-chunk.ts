/**
 * @module The delivery worker: one queue message = one chunk of one send. It sends the chunk's still-queued
 * recipients through the app's providers, records each result idempotently, and re-publishes the retryable ones
 * as the next round with a delay (exponential, and never shorter than the provider's Retry-After).
 *
 * Why re-publish rather than throw and let the worker retry policy redeliver: the policy's backoff cannot honour a
 * Retry-After, it would resend the whole message (only queued recipients, but still), and it would spend the
 * message's attempts on provider throttling — which are kept for infrastructure failures (database or broker
 * down), where throwing is right and the queue's own backoff and dead letters apply.
 */
import { coreServices, defineWorker, type QueueMessage } from '@switchboard/sdk';
import { PushRecipient } from '../entities/recipient.js';
import { PushSend } from '../entities/send.js';
import type { DeliveryResult, PushItem } from '../providers/index.js';
import type { PushConfig } from '../push-config.js';
import { runtimeFor } from '../runtime.js';
import { type ChunkMessage, chunkKey, DELIVERY_QUEUE } from '../sends/publish-chunks.js';
import { localizer, type StoredNotification } from '../sends/stored-notification.js';
import { type AppCredentials, loadAppCredentials } from '../store/app-credentials.js';
import { settleSend } from './finish-send.js';
import { loadQueuedRecipients, type QueuedRecipient } from './load-recipients.js';
import { countOutcomes, pushMetrics } from './push-metrics.js';
import { type Outcome, recordResults } from './record-results.js';
import { type Route, routeFor, transportFor } from './route-recipients.js';

/** Delays rounded up to a few steps: RabbitMQ keeps one delay queue per distinct delay, and Retry-After values vary. */
const STEPS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
export const retryDelay = (ms: number): number => STEPS_MS.find((s) => s >= ms) ?? STEPS_MS[STEPS_MS.length - 1];

const failAll = (recipients: QueuedRecipient[], reason: string, detail: string): Outcome[] =>
  recipients.map((recipient) => ({
    recipient,
    provider: null,
    result: { status: 'permanent', reason, detail, recipientId: String(recipient.id), token: recipient.token },
  }));

export const deliverChunk = defineWorker({
  queue: DELIVERY_QUEUE,
  concurrency: 4,
  retry: { attempts: 8, backoff: { initial: '1s', max: '1m' } },
  deps: {
    db: coreServices.database,
    log: coreServices.logger,
    config: coreServices.config.as<PushConfig>(),
    queue: coreServices.queue,
    metrics: coreServices.metrics,
  },
  handle: async ({ payload }: QueueMessage<ChunkMessage>, { db, log, config, queue, metrics }) => {
    const { sendId, seq, round } = payload;
    const send = await db.findOne(PushSend, { id: sendId });
    if (!send) {
      log.warn({ sendId, seq }, 'push chunk for an unknown send dropped');
      return;
    }
    const open = { sendId, chunk: seq, status: 'queued' as const };
    if (send.status === 'cancelled') {
      await db.nativeUpdate(PushRecipient, open, { status: 'cancelled', updatedAt: new Date() });
      return;
    }
    const recipients = await loadQueuedRecipients(db, sendId, seq);
    if (recipients.length === 0) {
      await settleSend(db, queue, log, sendId);
      return;
    }
    if (send.status === 'queued') await db.nativeUpdate(PushSend, { id: sendId, status: 'queued' }, { status: 'sending' });

    const runtime = runtimeFor(config, log);
    let outcomes: Outcome[];
    let creds: AppCredentials | undefined;
    try {
      creds = await loadAppCredentials(db, runtime.cipher, send.appId);
    } catch (err) {
      // The encryption key changed under stored credentials: retrying cannot help, and the message says which key.
      log.error({ err, sendId, appId: send.appId }, 'stored push credentials cannot be decrypted');
      creds = undefined;
    }
    if (!creds) {
      outcomes = failAll(recipients, 'CREDENTIALS_UNREADABLE', 'the stored credentials cannot be decrypted with the configured key');
    } else {
      const app = creds;
      const forLocale = localizer(send.notification as StoredNotification);
      const groups = new Map<Route, QueuedRecipient[]>();
      for (const r of recipients) {
        const route = routeFor(r, app, config, runtime);
        const group = groups.get(route);
        if (group) group.push(r);
        else groups.set(route, [r]);
      }
      const parts = await Promise.all(
        [...groups].map(async ([route, rows]): Promise<Outcome[]> => {
          if (route === 'none') return failAll(rows, 'NO_CREDENTIALS', 'the app has no credentials for this platform');
          const items: PushItem[] = rows.map((r) => ({
            recipientId: String(r.id),
            token: r.token,
            platform: r.platform as PushItem['platform'],
            notification: forLocale(r.locale),
          }));
          const { transport, credentials } = transportFor(route, app, runtime);
          const started = performance.now();
          const results: DeliveryResult[] = await transport.send(credentials, items);
          pushMetrics(metrics).providerSeconds.observe({ provider: route }, (performance.now() - started) / 1000);
          return rows.map((recipient, i) => ({ recipient, provider: route, result: results[i] }));
        }),
      );
      outcomes = parts.flat();
    }

    countOutcomes(metrics, outcomes);
    const { retry, retryAfterMs } = await recordResults(db, outcomes, config.maxAttempts);
    if (retry.length > 0) {
      const next: ChunkMessage = { sendId, seq, round: round + 1 };
      const delayMs = retryDelay(Math.max(retryAfterMs, Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** round)));
      await queue.publish(DELIVERY_QUEUE, next, { idempotencyKey: chunkKey(next), delayMs });
      log.info({ sendId, seq, round: next.round, recipients: retry.length, delayMs }, 'push recipients queued for retry');
      return;
    }
    await settleSend(db, queue, log, sendId);
  },
});
