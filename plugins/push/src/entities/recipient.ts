/** @module One recipient of a send: the device snapshot taken at accept time and its delivery result. */
import { defineEntity, p } from '@switchboard/sdk';

export type RecipientStatus = 'queued' | 'delivered' | 'failed' | 'unregistered' | 'cancelled';

export const PushRecipient = defineEntity({
  name: 'PushRecipient',
  tableName: 'push_recipient',
  properties: {
    id: p.integer().primary().autoincrement(),
    sendId: p.string().length(32),
    /** The chunk (queue message) this recipient travels in. */
    chunk: p.integer(),
    deviceId: p.string().length(32).nullable(),
    token: p.string().length(512),
    platform: p.string().length(8),
    locale: p.string().length(35).nullable(),
    status: p.string().length(12).$type<RecipientStatus>(),
    /** Deliveries tried so far. */
    attempts: p.integer(),
    provider: p.string().length(12).nullable(),
    providerMessageId: p.string().length(255).nullable(),
    reason: p.string().length(64).nullable(),
    detail: p.string().length(500).nullable(),
    httpStatus: p.integer().nullable(),
    tokenRetired: p.boolean(),
    dueAt: p.datetime(3),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type PushRecipientRow = InstanceType<typeof PushRecipient.class>;
