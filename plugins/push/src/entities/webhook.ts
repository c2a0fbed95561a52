/** @module An app's webhook: where send outcomes are POSTed, and the signing secret, sealed like credentials. */
import { defineEntity, p } from '@switchboard/sdk';

export const PushWebhook = defineEntity({
  name: 'PushWebhook',
  tableName: 'push_webhook',
  properties: {
    id: p.integer().primary().autoincrement(),
    appId: p.string().length(64),
    url: p.string().length(2000),
    /** The HMAC secret, sealed with the credential cipher (it must be readable to sign, so it is not hashed). */
    secret: p.text(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type PushWebhookRow = InstanceType<typeof PushWebhook.class>;
