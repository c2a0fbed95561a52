/**
 * @module Virtual machine commands with CloudStack's state machine (reference: "VM states and transitions") and its
 * refusals: start on Running fails the job with 431 "already running", reboot when not Running 530, expunge before
 * destroy 530, destroy of a Destroyed VM succeeds.
 */
import { ApiError, unknownEntity } from '../api-error.js';
import type { FakeContext, Handler } from '../fake-context.js';
import { addVm, type FakeState, type Json, removeVm, renderVm } from '../fake-state.js';
import { listResponse } from '../list-response.js';
import type { Params } from '../params.js';

const HOST_NAME = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
/** UserVmManagerImpl's limits on base64 user data: GET requests are held to 4 KB, POST to 32 KB. */
const MAX_GET_USERDATA = 4096;
const MAX_POST_USERDATA = 32768;
/** States that count against the account's user_vm limit. */
const uncounted = new Set(['Destroyed', 'Expunging', 'Error']);

const vmResult = (state: FakeState, vm: Json) => ({ virtualmachine: renderVm(state, vm) });
const named = (vm: Json) => `${vm.id} (${vm.displayname})`;

const checkUserData = (p: Params, method: string): string | undefined => {
  const data = p.get('userdata');
  if (data === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw new ApiError(431, 'User data is not base64 encoded');
  if (method === 'GET' && data.length >= MAX_GET_USERDATA) throw new ApiError(431, 'User data is too long for an http GET request');
  if (data.length > MAX_POST_USERDATA) throw new ApiError(431, 'User data is too long for POST request');
  return data;
};

/** Expunging takes a moment; the VM is then gone from every list. */
const expunge = (ctx: FakeContext, vm: Json) => {
  vm.state = 'Expunging';
  ctx.later(() => removeVm(ctx.state, vm.id as string));
};

export const vmCommands: Record<string, Handler> = {
  deployVirtualMachine: (p, ctx) => {
    const { state } = ctx;
    const zone = p.entity('zoneid', state.zones);
    const offering = p.entity('serviceofferingid', state.offerings);
    const template = p.entity('templateid', state.templates);
    const name = p.get('name');
    if (name !== undefined && !HOST_NAME.test(name))
      throw new ApiError(
        431,
        "Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't start with digit",
      );
    if (template.isready !== true) throw new ApiError(431, `Template ${template.id} has not been completely downloaded to zone ${zone.id}`);
    const keypair = p.get('keypair');
    if (keypair !== undefined && !state.keyPairs.has(keypair)) throw new ApiError(431, `A key pair with name '${keypair}' was not found.`);
    const groups = (p.get('securitygroupids') ?? '').split(',').filter(Boolean);
    for (const g of groups) if (!state.groups.has(g)) throw unknownEntity(p.command, 'securitygroupids', g);
    checkUserData(p, ctx.method);
    const limit = state.limits.user_vm;
    if (limit !== null && [...state.vms.values()].filter((v) => !uncounted.has(v.state as string)).length >= limit)
      throw new ApiError(
        535,
        `Maximum number of resources of type 'user_vm' for account name=${state.account.name} in domain id=1 has been exceeded.`,
      );
    const start = p.bool('startvm') !== false;
    const defaultGroup = [...state.groups.values()].find((g) => g.name === 'default')?.id as string;
    const vm = addVm(state, {
      name,
      displayname: p.get('displayname'),
      zoneid: zone.id as string,
      serviceofferingid: offering.id as string,
      templateid: template.id as string,
      keypair,
      securitygroupids: groups.length ? groups : [defaultGroup],
      state: start ? 'Starting' : 'Stopped',
    });
    // The planner looks for capacity as the job starts, so a zone failure injected now applies to this deploy.
    const noCapacity = state.failingZones.has(zone.id as string);
    const job = ctx.job({ cmd: 'vm.DeployVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => () => {
      if (noCapacity) {
        vm.state = 'Error';
        throw new ApiError(533, `Unable to create a deployment for VM[User|${vm.name}]`);
      }
      if (start) vm.state = 'Running';
      return vmResult(state, vm);
    });
    return { id: vm.id, jobid: job.jobid };
  },

  startVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    const job = ctx.job({ cmd: 'vm.StartVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => {
      if (vm.state === 'Running') throw new ApiError(431, `The virtual machine ${named(vm)} is already running`);
      if (vm.state !== 'Stopped') throw new ApiError(530, `Unable to start VM ${named(vm)}: it is in state ${vm.state}`);
      vm.state = 'Starting';
      return () => {
        vm.state = 'Running';
        return vmResult(ctx.state, vm);
      };
    });
    return { jobid: job.jobid };
  },

  stopVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    const job = ctx.job({ cmd: 'vm.StopVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => {
      // Stopping a stopped VM is not an error in CloudStack: the job just returns it.
      if (vm.state === 'Stopped') return () => vmResult(ctx.state, vm);
      if (vm.state !== 'Running') throw new ApiError(530, `Unable to stop VM ${named(vm)}: it is in state ${vm.state}`);
      vm.state = 'Stopping';
      return () => {
        vm.state = 'Stopped';
        return vmResult(ctx.state, vm);
      };
    });
    return { jobid: job.jobid };
  },

  rebootVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    const job = ctx.job({ cmd: 'vm.RebootVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => {
      if (vm.state !== 'Running') throw new ApiError(530, 'Failed to reboot vm instance');
      return () => vmResult(ctx.state, vm);
    });
    return { jobid: job.jobid };
  },

  scaleVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    const offering = p.entity('serviceofferingid', ctx.state.offerings);
    const job = ctx.job({ cmd: 'vm.ScaleVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => {
      if (vm.state !== 'Running' && vm.state !== 'Stopped')
        throw new ApiError(530, `Unable to scale VM ${named(vm)}: it is in state ${vm.state}`);
      if (vm.serviceofferingid === offering.id)
        throw new ApiError(431, `Not upgrading vm ${named(vm)} since it already has the requested service offering (${offering.name})`);
      return () => {
        Object.assign(vm, {
          serviceofferingid: offering.id,
          serviceofferingname: offering.name,
          cpunumber: offering.cpunumber,
          memory: offering.memory,
        });
        return vmResult(ctx.state, vm);
      };
    });
    return { jobid: job.jobid };
  },

  destroyVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    const purge = p.bool('expunge') === true;
    const job = ctx.job({ cmd: 'vm.DestroyVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => {
      if (vm.state === 'Destroyed' && !purge) return () => vmResult(ctx.state, vm);
      if (!['Running', 'Stopped', 'Destroyed', 'Error'].includes(vm.state as string))
        throw new ApiError(530, `Unable to destroy VM ${named(vm)}: it is in state ${vm.state}`);
      // A running VM is stopped inside the same job.
      if (vm.state === 'Running') vm.state = 'Stopping';
      return () => {
        if (purge || vm.state === 'Error') expunge(ctx, vm);
        else vm.state = 'Destroyed';
        return vmResult(ctx.state, vm);
      };
    });
    return { jobid: job.jobid };
  },

  expungeVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    const job = ctx.job({ cmd: 'vm.ExpungeVMCmd', type: 'VirtualMachine', id: vm.id as string }, () => {
      if (vm.state !== 'Destroyed' && vm.state !== 'Error') throw new ApiError(530, 'Please destroy vm with specified vmId before expunge');
      vm.state = 'Expunging';
      return () => {
        removeVm(ctx.state, vm.id as string);
        return { success: true };
      };
    });
    return { jobid: job.jobid };
  },

  recoverVirtualMachine: (p, ctx) => {
    const vm = p.entity('id', ctx.state.vms);
    if (vm.state !== 'Destroyed') throw new ApiError(431, `Vm with id ${vm.id} is not in the right state`);
    vm.state = 'Stopped';
    return vmResult(ctx.state, vm);
  },

  listVirtualMachines: (p, { state }) => {
    const id = p.get('id');
    if (id !== undefined && !state.vms.has(id)) throw unknownEntity(p.command, 'id', id);
    // The common one-VM lookup without a scan, so 10,000 seeded VMs cost nothing per call.
    let vms = id !== undefined ? [state.vms.get(id) as Json] : [...state.vms.values()];
    const ids = p.get('ids')?.split(',');
    const vmState = p.get('state');
    const zone = p.get('zoneid');
    const keyword = p.get('keyword')?.toLowerCase();
    const name = p.get('name');
    const tags = p.map('tags');
    if (ids || vmState || zone || keyword || name || tags.length)
      vms = vms.filter(
        (vm) =>
          (!ids || ids.includes(vm.id as string)) &&
          (!vmState || (vm.state as string).toLowerCase() === vmState.toLowerCase()) &&
          (!zone || vm.zoneid === zone) &&
          (!name || (vm.name as string).includes(name)) &&
          (!keyword || `${vm.name} ${vm.displayname}`.toLowerCase().includes(keyword)) &&
          tags.every((t) =>
            (state.tags.get(vm.id as string) ?? []).some((x) => x.key === t.key && (t.value === undefined || x.value === t.value)),
          ),
      );
    const body = listResponse(p, 'virtualmachine', vms);
    if (Array.isArray(body.virtualmachine)) body.virtualmachine = body.virtualmachine.map((vm) => renderVm(state, vm));
    return body;
  },
};
