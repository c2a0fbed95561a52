/** @module A registered device token of one app. */
import { defineEntity, p } from '@switchboard/sdk';

export const PushDevice = defineEntity({
  name: 'PushDevice',
  tableName: 'push_device',
  properties: {
    /** Time-ordered (see ids.ts), so ordering by id is registration order and a cursor is the last id. */
    id: p.string().length(32).primary(),
    appId: p.string().length(64),
    platform: p.string().length(8),
    token: p.string().length(512),
    userId: p.string().length(128).nullable(),
    tags: p.json<string[]>(),
    /** `|a|b|`: tags made searchable with a portable LIKE (tags cannot contain `|`, `%` or `_`). */
    tagText: p.text(),
    locale: p.string().length(35).nullable(),
    timeZone: p.string().length(64).nullable(),
    appVersion: p.string().length(64).nullable(),
    status: p.string().length(8),
    retiredReason: p.string().length(64).nullable(),
    retiredAt: p.datetime(3).nullable(),
    /** Last (re-)registration of the token: an APNs 410 older than this does not retire it. */
    registeredAt: p.datetime(3),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type PushDeviceRow = InstanceType<typeof PushDevice.class>;
