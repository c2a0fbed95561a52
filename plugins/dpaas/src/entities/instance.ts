/** @module The platform's record of an instance: who owns it, what the provider last said about it. */
import { defineEntity, p } from '@switchboard/sdk';
import type { InstanceState } from '../driver/instance.js';

export const Instance = defineEntity({
  name: 'DpaasInstance',
  tableName: 'dpaas_instance',
  properties: {
    /** Insertion order: the list cursor, and the sync job's batches. */
    seq: p.integer().primary().autoincrement(),
    /** The public id (`i-` + 17 hex); also the instance's host name at the provider, unique across apps. */
    id: p.string().length(20).unique(),
    appId: p.string().length(64).nullable(),
    /** Null only between the row's insert and the provider's answer. */
    providerId: p.string().length(64).nullable(),
    name: p.string().length(63),
    state: p.string().length(16).$type<InstanceState>(),
    zoneId: p.string().length(64),
    templateId: p.string().length(64),
    offeringId: p.string().length(64),
    vcpus: p.integer(),
    memoryMb: p.integer(),
    ipAddress: p.string().length(45).nullable(),
    /** The app's name for the key pair (the provider's is prefixed). */
    keyPair: p.string().length(64).nullable(),
    firewallGroupIds: p.json<string[]>(),
    tags: p.json<Record<string, string>>(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
    /** When the provider no longer had it (expunged): no recovery possible. */
    removedAt: p.datetime(3).nullable(),
  },
});

export type InstanceRow = InstanceType<typeof Instance.class>;
