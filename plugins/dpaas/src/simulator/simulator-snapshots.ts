/** @module Simulated snapshots of an instance's root volume or of the whole instance; reverting needs the instance stopped. */
import { randomUUID } from 'node:crypto';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import type { Snapshot, SnapshotRef } from '../driver/snapshot.js';
import type { SimContext } from './simulator-state.js';

type SnapshotPart = Pick<ComputeDriver, 'createSnapshot' | 'getSnapshot' | 'listSnapshots' | 'revertSnapshot' | 'deleteSnapshot'>;

export const createSimulatorSnapshots = (ctx: SimContext): SnapshotPart => {
  const { state, jobs } = ctx;
  const snapshot = (ref: SnapshotRef) => {
    const s = state.snapshots.get(ref.id);
    if (!s || s.type !== ref.type) throw notFound(`${ref.type} snapshot`, ref.id, { provider: 'simulator' });
    return s;
  };
  /** A volume snapshot outlives its instance; the link goes when the instance does. */
  const owner = (s: Snapshot) => (s.instanceId && state.instances.has(s.instanceId) ? s.instanceId : null);
  const view = (s: Snapshot): Snapshot => ({ ...s, instanceId: s.type === 'volume' ? owner(s) : s.instanceId });

  return {
    createSnapshot: async ({ instanceId, type, name }) => {
      const i = ctx.instance(instanceId);
      if (i.state !== 'running' && i.state !== 'stopped')
        throw driverError('invalid-state', `instance '${instanceId}' is ${i.state}; snapshots need it running or stopped`);
      const s: Snapshot = {
        type,
        id: randomUUID(),
        name: name ?? `${i.name}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`,
        instanceId,
        volumeId: type === 'volume' ? i.rootVolumeId : null,
        state: 'creating',
        createdAt: new Date().toISOString(),
      };
      state.snapshots.set(s.id, s);
      return jobs.start(s.id, () => {
        s.state = 'ready';
        return { type: 'snapshot', snapshot: view(s) };
      });
    },

    getSnapshot: async (ref) => view(snapshot(ref)),

    listSnapshots: async ({ instanceId, type } = {}) => {
      if (instanceId) ctx.instance(instanceId);
      return [...state.snapshots.values()]
        .map(view)
        .filter((s) => (!type || s.type === type) && (!instanceId || s.instanceId === instanceId))
        .sort((a, b) => (a.type === b.type ? 0 : a.type === 'volume' ? -1 : 1));
    },

    revertSnapshot: async (ref) => {
      const s = snapshot(ref);
      if (s.state !== 'ready') throw driverError('invalid-state', `snapshot '${s.id}' is ${s.state}; it must be ready`);
      const instanceId = owner(s);
      if (!instanceId) throw driverError('invalid-state', `the instance of snapshot '${s.id}' no longer exists`);
      const i = ctx.instance(instanceId);
      if (i.state !== 'stopped')
        throw driverError('invalid-state', `instance '${instanceId}' is ${i.state}; stop it to revert it to a snapshot`);
      return jobs.start(instanceId, () =>
        // What CloudStack answers: the snapshot for a volume revert, the VM for a VM-snapshot revert.
        s.type === 'volume' ? { type: 'snapshot', snapshot: view(s) } : { type: 'instance', instance: ctx.view(ctx.instance(instanceId)) },
      );
    },

    deleteSnapshot: async (ref) => {
      const s = snapshot(ref);
      s.state = 'deleting';
      return jobs.start(s.id, () => {
        state.snapshots.delete(s.id);
        return { type: 'none' };
      });
    },
  };
};
