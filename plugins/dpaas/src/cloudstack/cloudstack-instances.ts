/**
 * @module Instances on CloudStack. Each action reads the VM first: that gives a clean not-found, makes start on a
 * running VM and stop on a stopped one idempotent successes without a job, and refuses wrong-state transitions with
 * a neutral conflict before CloudStack would fail the job.
 */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError } from '../driver/driver-error.js';
import type { InstanceFilter } from '../driver/instance.js';
import type { Operation } from '../driver/operation.js';
import { checkInstanceName, checkPage, encodeUserData } from '../driver/validate-input.js';
import type { Json, Params } from './cloudstack-client.js';
import type { CloudStackContext } from './cloudstack-context.js';
import { mapCloudStackError } from './map-error.js';
import { RESOURCE_TYPES, toInstance } from './map-resources.js';
import { FROM_NEUTRAL, toNeutralState } from './map-state.js';

type InstancePart = Pick<
  ComputeDriver,
  | 'createInstance'
  | 'getInstance'
  | 'listInstances'
  | 'iterateInstances'
  | 'startInstance'
  | 'stopInstance'
  | 'rebootInstance'
  | 'resizeInstance'
  | 'destroyInstance'
  | 'recoverInstance'
>;

/** `tags[0].key=k&tags[0].value=v`, CloudStack's map parameters. */
export const tagParams = (tags: Record<string, string>, withValues = true): Params =>
  Object.fromEntries(
    Object.entries(tags).flatMap(([key, value], i) =>
      withValues
        ? [
            [`tags[${i}].key`, key],
            [`tags[${i}].value`, value],
          ]
        : [[`tags[${i}].key`, key]],
    ),
  );

const filterParams = (filter: InstanceFilter = {}): Params => ({
  ids: filter.ids?.length ? filter.ids.join(',') : undefined,
  state: filter.state ? FROM_NEUTRAL[filter.state] : undefined,
  zoneid: filter.zoneId,
  keyword: filter.search,
  ...tagParams(filter.tags ?? {}),
});

const wrongState = (id: string, vm: Json, action: string, needs: string) =>
  driverError('invalid-state', `instance '${id}' is ${toNeutralState(String(vm.state))}; ${action} needs it ${needs}`);

export const createCloudStackInstances = (ctx: CloudStackContext): InstancePart => {
  const subject = (id: string) => ({ what: 'instance', id });
  const doneWith = (vm: Json) => ctx.done({ type: 'instance', instance: toInstance(vm) }, String(vm.id));

  return {
    createInstance: async (input) => {
      checkInstanceName(input.name);
      const userdata = input.userData === undefined ? undefined : encodeUserData(input.userData);
      const answer = await ctx.call('deployVirtualMachine', {
        zoneid: input.zoneId,
        serviceofferingid: input.offeringId,
        templateid: input.templateId,
        name: input.name,
        displayname: input.displayName ?? input.name,
        keypair: input.keyPair,
        securitygroupids: input.firewallGroupIds?.length ? input.firewallGroupIds.join(',') : undefined,
        userdata,
        startvm: input.start === false ? false : undefined,
      });
      const op = ctx.pending(answer);
      // deployVirtualMachine takes no tags: tag the new VM at once (CloudStack allows it while it starts), so a
      // list filtered by tag finds it from the start.
      if (input.tags && Object.keys(input.tags).length) {
        const tagged = await ctx.call('createTags', {
          resourceids: op.resourceId,
          resourcetype: RESOURCE_TYPES.instance,
          ...tagParams(input.tags),
        });
        await ctx.settle(ctx.pending(tagged));
      }
      return op;
    },

    getInstance: async (id) => toInstance(await ctx.vm(id)),

    listInstances: async (filter, page = { page: 1, pageSize: 100 }) => {
      checkPage(page);
      const { items, count } = await ctx.list<Json>('listVirtualMachines', 'virtualmachine', {
        ...filterParams(filter),
        page: page.page,
        pagesize: page.pageSize,
      });
      return { items: items.map(toInstance), total: count, page: page.page, pageSize: page.pageSize };
    },

    iterateInstances: (filter) => ({
      async *[Symbol.asyncIterator]() {
        try {
          for await (const vm of ctx.client.pages<Json>('listVirtualMachines', 'virtualmachine', filterParams(filter)))
            yield toInstance(vm);
        } catch (e) {
          throw mapCloudStackError(e);
        }
      },
    }),

    startInstance: async (id) => {
      const vm = await ctx.vm(id);
      if (vm.state === 'Running') return doneWith(vm);
      if (vm.state !== 'Stopped') throw wrongState(id, vm, 'start', 'stopped');
      try {
        return ctx.pending(await ctx.call('startVirtualMachine', { id }, subject(id)), id);
      } catch (e) {
        // Someone else started it between our read and our call.
        if (e instanceof Error && /already running/i.test(e.message)) return doneWith(await ctx.vm(id));
        throw e;
      }
    },

    stopInstance: async (id, { force = false } = {}) => {
      const vm = await ctx.vm(id);
      if (vm.state === 'Stopped') return doneWith(vm);
      if (vm.state !== 'Running') throw wrongState(id, vm, 'stop', 'running');
      return ctx.pending(await ctx.call('stopVirtualMachine', { id, forced: force || undefined }, subject(id)), id);
    },

    rebootInstance: async (id) => {
      const vm = await ctx.vm(id);
      if (vm.state !== 'Running') throw wrongState(id, vm, 'reboot', 'running');
      return ctx.pending(await ctx.call('rebootVirtualMachine', { id }, subject(id)), id);
    },

    resizeInstance: async (id, offeringId) => {
      const vm = await ctx.vm(id);
      if (vm.state !== 'Running' && vm.state !== 'Stopped') throw wrongState(id, vm, 'resize', 'running or stopped');
      // CloudStack refuses a scale to the offering the VM already has; the neutral API calls it done.
      if (vm.serviceofferingid === offeringId) return doneWith(vm);
      return ctx.pending(await ctx.call('scaleVirtualMachine', { id, serviceofferingid: offeringId }, subject(id)), id);
    },

    destroyInstance: async (id, { expunge = false } = {}): Promise<Operation> => {
      const vm = await ctx.vm(id);
      if (vm.state === 'Expunging' || (vm.state === 'Destroyed' && !expunge)) return doneWith(vm);
      if (vm.state === 'Starting' || vm.state === 'Stopping' || vm.state === 'Migrating')
        throw wrongState(id, vm, 'destroy', 'running, stopped, deleted or in error');
      if (vm.state === 'Destroyed') return ctx.pending(await ctx.call('expungeVirtualMachine', { id }, subject(id)), id);
      // An Error VM can only be expunged (Error → Expunging), whatever the caller asked.
      if (vm.state === 'Error') return ctx.pending(await ctx.call('destroyVirtualMachine', { id, expunge: true }, subject(id)), id);
      return ctx.pending(await ctx.call('destroyVirtualMachine', { id, expunge: expunge || undefined }, subject(id)), id);
    },

    recoverInstance: async (id) => {
      const vm = await ctx.vm(id);
      if (vm.state !== 'Destroyed') throw wrongState(id, vm, 'recover', 'deleted');
      // recoverVirtualMachine is synchronous: the operation is done when it answers.
      const answer = await ctx.call('recoverVirtualMachine', { id }, subject(id));
      return doneWith(answer.virtualmachine as Json);
    },
  };
};
