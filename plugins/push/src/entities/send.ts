/** @module A send as accepted: what to send, to whom (the target as asked), when, and where it stands. */
import { defineEntity, p } from '@switchboard/sdk';
import type { StoredNotification } from '../sends/stored-notification.js';

export type SendStatus = 'scheduled' | 'queued' | 'sending' | 'completed' | 'cancelled' | 'failed';

export const PushSend = defineEntity({
  name: 'PushSend',
  tableName: 'push_send',
  properties: {
    id: p.string().length(32).primary(),
    appId: p.string().length(64),
    /** The client's Idempotency-Key; unique per app. */
    idempotencyKey: p.string().length(128).nullable(),
    /** SHA-256 of the request body, so a key reused for a different request is refused. */
    requestHash: p.string().length(64),
    status: p.string().length(12).$type<SendStatus>(),
    target: p.json<Record<string, unknown>>(),
    notification: p.json<StoredNotification>(),
    recipientCount: p.integer(),
    sendAt: p.datetime(3).nullable(),
    completedAt: p.datetime(3).nullable(),
    /** When the app's webhook acknowledged the final status (or there was no webhook); null while one is owed. */
    notifiedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type PushSendRow = InstanceType<typeof PushSend.class>;
