/** @module The app's snapshots (ids are the provider's), with the policy that took them, if any. */
import { defineEntity, p } from '@switchboard/sdk';
import type { SnapshotType } from '../driver/snapshot.js';

export type SnapshotRowState = 'creating' | 'ready' | 'deleting' | 'error';

export const Snapshot = defineEntity({
  name: 'DpaasSnapshot',
  tableName: 'dpaas_snapshot',
  properties: {
    id: p.string().length(64).primary(),
    appId: p.string().length(64).nullable(),
    type: p.string().length(16).$type<SnapshotType>(),
    /** The platform's instance id; kept after the instance is gone (volume snapshots outlive it). */
    instanceId: p.string().length(20).nullable(),
    name: p.string().length(255),
    state: p.string().length(16).$type<SnapshotRowState>(),
    policyId: p.integer().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});

export type SnapshotRow = InstanceType<typeof Snapshot.class>;
