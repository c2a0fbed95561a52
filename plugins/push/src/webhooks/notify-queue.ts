/** @module Queues the webhook owed for a send that reached a final status (idempotent: one per send). */
import type { QueueService } from '@switchboard/sdk';

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookMessage {
  sendId: string;
}

export const queueSendWebhook = (queue: QueueService, sendId: string) =>
  queue.publish<WebhookMessage>(WEBHOOK_QUEUE, { sendId }, { idempotencyKey: `${sendId}.finished` });
