/**
 * @module Posts a send's outcome (final status, totals, the tokens it retired) to the app's webhook, signed with
 * the app's secret. A non-2xx answer or a network error throws, so the queue retries with backoff and, after the
 * last attempt, dead-letters it where operators can replay it. `notifiedAt` records success; the release job
 * re-queues sends whose webhook was never queued (a crash right after the status changed).
 */
import { coreServices, defineWorker, type QueueMessage } from '@switchboard/sdk';
import { PushRecipient } from '../entities/recipient.js';
import { PushSend } from '../entities/send.js';
import { PushWebhook } from '../entities/webhook.js';
import type { PushConfig } from '../push-config.js';
import { runtimeFor } from '../runtime.js';
import { sendTotals } from '../sends/send-totals.js';
import { WEBHOOK_QUEUE, type WebhookMessage } from '../webhooks/notify-queue.js';
import { SIGNATURE_HEADER, signWebhook } from '../webhooks/sign-webhook.js';
import { webhookContext } from '../webhooks/webhook-context.js';

/** Retired tokens listed per event; the report has them all. */
const MAX_RETIRED = 1000;

export const deliverWebhook = defineWorker({
  queue: WEBHOOK_QUEUE,
  concurrency: 4,
  retry: { attempts: 8, backoff: { initial: '1s', max: '10m' } },
  deps: { db: coreServices.database, log: coreServices.logger, http: coreServices.http, config: coreServices.config.as<PushConfig>() },
  handle: async ({ payload, attempt }: QueueMessage<WebhookMessage>, { db, log, http, config }) => {
    const send = await db.findOne(PushSend, { id: payload.sendId });
    if (!send || send.notifiedAt) return;
    const hook = await db.findOne(PushWebhook, { appId: send.appId });
    if (hook) {
      const retired = await db.find(
        PushRecipient,
        { sendId: send.id, tokenRetired: true },
        { orderBy: { id: 'asc' }, limit: MAX_RETIRED, fields: ['deviceId', 'token', 'platform', 'reason'] },
      );
      const body = JSON.stringify({
        id: `evt_${send.id}`,
        type: `send.${send.status}`,
        createdAt: new Date().toISOString(),
        data: {
          sendId: send.id,
          status: send.status,
          completedAt: send.completedAt?.toISOString() ?? null,
          totals: await sendTotals(db, send.id),
          retiredTokens: retired.map((r) => ({
            deviceId: r.deviceId ?? null,
            token: r.token,
            platform: r.platform,
            reason: r.reason ?? null,
          })),
        },
      });
      const secret = runtimeFor(config, log).cipher.open(hook.secret, webhookContext(send.appId));
      const res = await http.fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(secret, body),
          'switchboard-event-id': `evt_${send.id}`,
        },
        body,
        timeoutMs: 10_000,
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`webhook ${new URL(hook.url).host} answered ${res.status} (attempt ${attempt})`);
      log.info({ sendId: send.id, appId: send.appId, status: res.status }, 'push webhook delivered');
    }
    await db.nativeUpdate(PushSend, { id: send.id, notifiedAt: null }, { notifiedAt: new Date() });
  },
});
