/**
 * @module Snapshots on CloudStack: volume snapshots of an instance's ROOT volume (createSnapshot) and whole-instance
 * VM snapshots (createVMSnapshot, disk only). Reverting either needs the VM stopped, checked first for a clean conflict.
 */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import type { Snapshot, SnapshotRef } from '../driver/snapshot.js';
import type { Json } from './cloudstack-client.js';
import type { CloudStackContext } from './cloudstack-context.js';
import { toVmSnapshot, toVolumeSnapshot } from './map-resources.js';
import { toNeutralState } from './map-state.js';

type SnapshotPart = Pick<ComputeDriver, 'createSnapshot' | 'getSnapshot' | 'listSnapshots' | 'revertSnapshot' | 'deleteSnapshot'>;

export const createCloudStackSnapshots = (
  ctx: CloudStackContext,
  volumeOwner: (volumeId: string) => Promise<string | null>,
): SnapshotPart => {
  const rootVolume = async (instanceId: string): Promise<string> => {
    const { items } = await ctx.list('listVolumes', 'volume', { virtualmachineid: instanceId, type: 'ROOT' });
    if (!items[0]) throw driverError('invalid-state', `instance '${instanceId}' has no root volume`);
    return String(items[0].id);
  };

  const getSnapshot = async (ref: SnapshotRef): Promise<Snapshot> => {
    const subject = { what: `${ref.type} snapshot`, id: ref.id };
    if (ref.type === 'volume') {
      const { items } = await ctx.list('listSnapshots', 'snapshot', { id: ref.id }, subject);
      if (!items[0]) throw notFound(subject.what, ref.id, { provider: 'cloudstack' });
      return toVolumeSnapshot(items[0], items[0].volumeid ? await volumeOwner(String(items[0].volumeid)) : null);
    }
    const { items } = await ctx.list('listVMSnapshot', 'vmsnapshot', { vmsnapshotid: ref.id }, { ...subject, param: 'vmsnapshotid' });
    if (!items[0]) throw notFound(subject.what, ref.id, { provider: 'cloudstack' });
    return toVmSnapshot(items[0]);
  };

  const needsStopped = async (snapshot: Snapshot, what: string) => {
    if (snapshot.state !== 'ready') throw driverError('invalid-state', `snapshot '${snapshot.id}' is ${snapshot.state}; it must be ready`);
    const { instanceId } = snapshot;
    if (!instanceId) throw driverError('invalid-state', `the instance of snapshot '${snapshot.id}' no longer exists`);
    const vm = await ctx.vm(instanceId);
    if (vm.state !== 'Stopped')
      throw driverError('invalid-state', `instance '${instanceId}' is ${toNeutralState(String(vm.state))}; stop it to ${what}`);
  };

  return {
    createSnapshot: async ({ instanceId, type, name }) => {
      const vm = await ctx.vm(instanceId);
      if (vm.state !== 'Running' && vm.state !== 'Stopped')
        throw driverError(
          'invalid-state',
          `instance '${instanceId}' is ${toNeutralState(String(vm.state))}; snapshots need it running or stopped`,
        );
      if (type === 'volume') return ctx.pending(await ctx.call('createSnapshot', { volumeid: await rootVolume(instanceId), name }));
      return ctx.pending(
        await ctx.call('createVMSnapshot', { virtualmachineid: instanceId, name, displayname: name, snapshotmemory: false }),
      );
    },

    getSnapshot,

    listSnapshots: async ({ instanceId, type } = {}) => {
      const out: Snapshot[] = [];
      if (type !== 'instance') {
        if (instanceId) {
          await ctx.vm(instanceId);
          const volume = await rootVolume(instanceId);
          for (const s of await ctx.listAll<Json>('listSnapshots', 'snapshot', { volumeid: volume }))
            out.push(toVolumeSnapshot(s, instanceId));
        } else {
          // Snapshots name their volume, not its VM: one pass over the volumes answers for all of them.
          const owners = new Map(
            (await ctx.listAll<Json>('listVolumes', 'volume')).map((v) => [
              String(v.id),
              v.virtualmachineid ? String(v.virtualmachineid) : null,
            ]),
          );
          for (const s of await ctx.listAll<Json>('listSnapshots', 'snapshot'))
            out.push(toVolumeSnapshot(s, owners.get(String(s.volumeid)) ?? null));
        }
      }
      if (type !== 'volume')
        for (const s of await ctx.listAll<Json>('listVMSnapshot', 'vmsnapshot', { virtualmachineid: instanceId }))
          out.push(toVmSnapshot(s));
      return out;
    },

    revertSnapshot: async (ref) => {
      const snapshot = await getSnapshot(ref);
      await needsStopped(snapshot, 'revert it to a snapshot');
      if (ref.type === 'volume') return ctx.pending(await ctx.call('revertSnapshot', { id: ref.id }), snapshot.instanceId ?? undefined);
      return ctx.pending(await ctx.call('revertToVMSnapshot', { vmsnapshotid: ref.id }), snapshot.instanceId ?? undefined);
    },

    deleteSnapshot: async (ref) => {
      const subject = { what: `${ref.type} snapshot`, id: ref.id };
      if (ref.type === 'volume') return ctx.pending(await ctx.call('deleteSnapshot', { id: ref.id }, subject), ref.id);
      return ctx.pending(await ctx.call('deleteVMSnapshot', { vmsnapshotid: ref.id }, { ...subject, param: 'vmsnapshotid' }), ref.id);
    },
  };
};
