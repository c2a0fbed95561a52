/** @module A scheduled snapshot of one instance (hourly, daily or weekly, UTC) keeping the newest `retention`. */
import { defineEntity, p } from '@switchboard/sdk';
import type { SnapshotType } from '../driver/snapshot.js';

export type PolicyFrequency = 'hourly' | 'daily' | 'weekly';

export const SnapshotPolicy = defineEntity({
  name: 'DpaasSnapshotPolicy',
  tableName: 'dpaas_snapshot_policy',
  properties: {
    id: p.integer().primary().autoincrement(),
    appId: p.string().length(64).nullable(),
    instanceId: p.string().length(20),
    frequency: p.string().length(16).$type<PolicyFrequency>(),
    retention: p.integer(),
    type: p.string().length(16).$type<SnapshotType>(),
    minute: p.integer(),
    hour: p.integer(),
    dayOfWeek: p.integer(),
    nextRunAt: p.datetime(3),
    lastRunAt: p.datetime(3).nullable(),
    lastError: p.string().length(500).nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});

export type SnapshotPolicyRow = InstanceType<typeof SnapshotPolicy.class>;
