/** @module Volumes, volume snapshots and VM snapshots. Reverting needs the VM stopped (disk-only VM snapshots, KVM volume reverts). */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api-error.js';
import type { Handler } from '../fake-context.js';
import { csDate, type Json, renderVm } from '../fake-state.js';
import { listResponse } from '../list-response.js';

const mustBeStopped = (vm: Json | undefined, what: string) => {
  if (!vm) throw new ApiError(530, `the VM of this ${what} no longer exists`);
  if (vm.state !== 'Stopped')
    throw new ApiError(431, `Reverting to the ${what} is not allowed for running VMs; the VM ${vm.id} must be in Stopped state`);
};

export const storageCommands: Record<string, Handler> = {
  listVolumes: (p, { state }) => {
    const id = p.get('id');
    const vmId = p.get('virtualmachineid');
    if (vmId !== undefined) p.entity('virtualmachineid', state.vms);
    const type = p.get('type');
    return listResponse(
      p,
      'volume',
      [...state.volumes.values()].filter(
        (v) => (!id || v.id === id) && (!vmId || v.virtualmachineid === vmId) && (!type || v.type === type),
      ),
    );
  },

  createSnapshot: (p, ctx) => {
    const volume = p.entity('volumeid', ctx.state.volumes);
    const vm = ctx.state.vms.get(volume.virtualmachineid as string);
    if (vm && !['Running', 'Stopped'].includes(vm.state as string))
      throw new ApiError(431, `VM ${vm.id} is in state ${vm.state}; snapshots need it Running or Stopped`);
    const s: Json = {
      id: randomUUID(),
      name: p.get('name') ?? `${vm?.name ?? 'detached'}_${volume.name}_${Date.now()}`,
      volumeid: volume.id,
      volumename: volume.name,
      volumetype: volume.type,
      zoneid: volume.zoneid,
      snapshottype: 'MANUAL',
      intervaltype: 'MANUAL',
      state: 'Creating',
      account: ctx.state.account.name,
      created: csDate(),
    };
    ctx.state.snapshots.set(s.id as string, s);
    const job = ctx.job({ cmd: 'snapshot.CreateSnapshotCmd', type: 'Snapshot', id: s.id as string }, () => {
      s.state = 'BackingUp';
      return () => {
        s.state = 'BackedUp';
        return { snapshot: s };
      };
    });
    return { id: s.id, jobid: job.jobid };
  },

  listSnapshots: (p, { state }) => {
    const id = p.get('id');
    if (id !== undefined) p.entity('id', state.snapshots);
    const volumeId = p.get('volumeid');
    return listResponse(
      p,
      'snapshot',
      [...state.snapshots.values()].filter((s) => (!id || s.id === id) && (!volumeId || s.volumeid === volumeId)),
    );
  },

  deleteSnapshot: (p, ctx) => {
    const s = p.entity('id', ctx.state.snapshots);
    const job = ctx.job({ cmd: 'snapshot.DeleteSnapshotCmd', type: 'Snapshot', id: s.id as string }, () => {
      s.state = 'Destroying';
      return () => {
        ctx.state.snapshots.delete(s.id as string);
        return { success: true };
      };
    });
    return { jobid: job.jobid };
  },

  revertSnapshot: (p, ctx) => {
    const s = p.entity('id', ctx.state.snapshots);
    const job = ctx.job({ cmd: 'snapshot.RevertSnapshotCmd', type: 'Snapshot', id: s.id as string }, () => {
      if (s.state !== 'BackedUp') throw new ApiError(431, `Snapshot ${s.id} is not in BackedUp state`);
      const volume = ctx.state.volumes.get(s.volumeid as string);
      mustBeStopped(volume && ctx.state.vms.get(volume.virtualmachineid as string), 'snapshot');
      return () => ({ snapshot: s });
    });
    return { jobid: job.jobid };
  },

  createVMSnapshot: (p, ctx) => {
    const vm = p.entity('virtualmachineid', ctx.state.vms);
    if (!['Running', 'Stopped'].includes(vm.state as string))
      throw new ApiError(
        431,
        `Creating VM snapshot failed due to VM:${vm.id} is a system VM or does not exist, or is not in Running or Stopped state`,
      );
    const memory = p.bool('snapshotmemory') === true;
    const s: Json = {
      id: randomUUID(),
      name: `i-2-${vm.name}-VM_VS_${Date.now()}`,
      displayname: p.get('displayname') ?? p.get('name') ?? `${vm.name}-snapshot`,
      virtualmachineid: vm.id,
      zoneid: vm.zoneid,
      type: memory ? 'DiskAndMemory' : 'Disk',
      state: 'Allocated',
      current: true,
      account: ctx.state.account.name,
      created: csDate(),
    };
    ctx.state.vmSnapshots.set(s.id as string, s);
    const job = ctx.job({ cmd: 'vmsnapshot.CreateVMSnapshotCmd', type: 'VMSnapshot', id: s.id as string }, () => {
      s.state = 'Creating';
      return () => {
        s.state = 'Ready';
        return { vmsnapshot: s };
      };
    });
    return { id: s.id, jobid: job.jobid };
  },

  listVMSnapshot: (p, { state }) => {
    const id = p.get('vmsnapshotid');
    if (id !== undefined) p.entity('vmsnapshotid', state.vmSnapshots);
    const vmId = p.get('virtualmachineid');
    return listResponse(
      p,
      'vmsnapshot',
      [...state.vmSnapshots.values()].filter((s) => (!id || s.id === id) && (!vmId || s.virtualmachineid === vmId)),
    );
  },

  revertToVMSnapshot: (p, ctx) => {
    const s = p.entity('vmsnapshotid', ctx.state.vmSnapshots);
    const vm = ctx.state.vms.get(s.virtualmachineid as string);
    const job = ctx.job({ cmd: 'vmsnapshot.RevertToVMSnapshotCmd', type: 'VirtualMachine', id: s.virtualmachineid as string }, () => {
      if (s.state !== 'Ready') throw new ApiError(431, `VM snapshot ${s.id} is not in Ready state`);
      mustBeStopped(vm, 'VM snapshot');
      s.state = 'Reverting';
      return () => {
        s.state = 'Ready';
        return { virtualmachine: renderVm(ctx.state, vm as Json) };
      };
    });
    return { jobid: job.jobid };
  },

  deleteVMSnapshot: (p, ctx) => {
    const s = p.entity('vmsnapshotid', ctx.state.vmSnapshots);
    const job = ctx.job({ cmd: 'vmsnapshot.DeleteVMSnapshotCmd', type: 'VMSnapshot', id: s.id as string }, () => {
      s.state = 'Expunging';
      return () => {
        ctx.state.vmSnapshots.delete(s.id as string);
        return { success: true };
      };
    });
    return { jobid: job.jobid };
  },
};
