/**
 * @module Simulated instances: CloudStack's state machine in neutral words (pending → running ⇄ stopping → stopped,
 * deleted ⇄ stopped by recover, deleting → gone), with the same idempotent no-ops and conflicts as the CloudStack driver.
 */
import { randomUUID } from 'node:crypto';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError } from '../driver/driver-error.js';
import type { Instance, InstanceFilter } from '../driver/instance.js';
import { checkInstanceName, checkPage, encodeUserData } from '../driver/validate-input.js';
import { SIMULATOR_OFFERINGS, SIMULATOR_ZONES } from './simulator-catalogue.js';
import { type SimContext, type SimInstance, wrongState } from './simulator-state.js';

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

const bad = (message: string) => driverError('bad-parameter', message);

const matches = (i: Instance, f: InstanceFilter = {}) =>
  (!f.ids?.length || f.ids.includes(i.id)) &&
  (!f.state || i.state === f.state) &&
  (!f.zoneId || i.zoneId === f.zoneId) &&
  (!f.search || `${i.name}\n${i.displayName}`.toLowerCase().includes(f.search.toLowerCase())) &&
  Object.entries(f.tags ?? {}).every(([k, v]) => i.tags[k] === v);

/** Instances that count against the limit, as CloudStack's user_vm resource count does. */
const counted = (i: Instance) => !['deleted', 'deleting', 'error'].includes(i.state);

export const createSimulatorInstances = (ctx: SimContext): InstancePart => {
  const { state, jobs } = ctx;
  let expungeTokens = 0;
  const result = (i: SimInstance) => ({ type: 'instance' as const, instance: ctx.view(i) });
  /** The live record at the end of a job; gone if someone removed it meanwhile. */
  const still = (id: string) => ctx.instance(id);

  /** Gone for good: whole-instance snapshots go with it (volume snapshots stay, as on CloudStack). */
  const remove = (id: string) => {
    state.instances.delete(id);
    for (const s of state.snapshots.values()) if (s.type === 'instance' && s.instanceId === id) state.snapshots.delete(s.id);
  };

  return {
    createInstance: async (input) => {
      checkInstanceName(input.name);
      if (input.userData !== undefined) encodeUserData(input.userData);
      const zone = SIMULATOR_ZONES.find((z) => z.id === input.zoneId);
      if (!zone) throw bad(`zone '${input.zoneId}' does not exist`);
      const offering = SIMULATOR_OFFERINGS.find((o) => o.id === input.offeringId);
      if (!offering) throw bad(`offering '${input.offeringId}' does not exist`);
      const template = state.templates.get(input.templateId);
      if (!template) throw bad(`template '${input.templateId}' does not exist`);
      if (template.status !== 'ready') throw bad(`template '${input.templateId}' is not ready`);
      if (input.keyPair !== undefined && !state.keyPairs.has(input.keyPair)) throw bad(`key pair '${input.keyPair}' does not exist`);
      for (const g of input.firewallGroupIds ?? []) if (!state.groups.has(g)) throw bad(`firewall group '${g}' does not exist`);
      const limit = state.limits.instances;
      if (limit !== undefined && limit !== null && [...state.instances.values()].filter(counted).length >= limit)
        throw driverError('limit', `the account may have at most ${limit} instances`, { provider: 'simulator' });

      const id = randomUUID();
      const n = state.nextIp++;
      const instance: SimInstance = {
        id,
        name: input.name,
        displayName: input.displayName ?? input.name,
        state: 'pending',
        providerState: 'pending',
        zoneId: zone.id,
        templateId: template.id,
        offeringId: offering.id,
        vcpus: offering.vcpus,
        memoryMb: offering.memoryMb,
        ipAddress: `10.1.${(n >> 8) & 255}.${n & 255}`,
        keyPair: input.keyPair ?? null,
        // As CloudStack does, an instance given no group joins the default one.
        firewallGroupIds: input.firewallGroupIds?.length ? [...input.firewallGroupIds] : [[...state.groups.values()][0].id],
        tags: { ...input.tags },
        createdAt: new Date().toISOString(),
        rootVolumeId: randomUUID(),
      };
      state.instances.set(id, instance);
      const failsHere = state.failures.failingZones?.some((z) => z === zone.id || z === zone.name);
      const unlucky = ctx.random() < (state.failures.capacityErrorRate ?? 0);
      return jobs.start(id, () => {
        const i = still(id);
        if (failsHere || unlucky) {
          setState(i, 'error');
          throw driverError('capacity', `Unable to create a deployment for instance '${id}': insufficient capacity in zone ${zone.name}`);
        }
        setState(i, input.start === false ? 'stopped' : 'running');
        return result(i);
      });
    },

    getInstance: async (id) => ctx.view(ctx.instance(id)),

    listInstances: async (filter, page = { page: 1, pageSize: 100 }) => {
      checkPage(page);
      const all = [...state.instances.values()].filter((i) => matches(i, filter));
      const start = (page.page - 1) * page.pageSize;
      return { items: all.slice(start, start + page.pageSize).map(ctx.view), total: all.length, page: page.page, pageSize: page.pageSize };
    },

    iterateInstances: (filter) => ({
      async *[Symbol.asyncIterator]() {
        for (const i of [...state.instances.values()]) if (matches(i, filter)) yield ctx.view(i);
      },
    }),

    startInstance: async (id) => {
      const i = ctx.instance(id);
      if (i.state === 'running') return jobs.done(id, result(i));
      if (i.state !== 'stopped') throw wrongState(i, 'start', 'stopped');
      setState(i, 'pending');
      return jobs.start(id, () => result(setState(still(id), 'running')));
    },

    stopInstance: async (id) => {
      const i = ctx.instance(id);
      if (i.state === 'stopped') return jobs.done(id, result(i));
      if (i.state !== 'running') throw wrongState(i, 'stop', 'running');
      setState(i, 'stopping');
      return jobs.start(id, () => result(setState(still(id), 'stopped')));
    },

    rebootInstance: async (id) => {
      const i = ctx.instance(id);
      if (i.state !== 'running') throw wrongState(i, 'reboot', 'running');
      return jobs.start(id, () => result(still(id)));
    },

    resizeInstance: async (id, offeringId) => {
      const i = ctx.instance(id);
      if (i.state !== 'running' && i.state !== 'stopped') throw wrongState(i, 'resize', 'running or stopped');
      if (i.offeringId === offeringId) return jobs.done(id, result(i));
      const offering = SIMULATOR_OFFERINGS.find((o) => o.id === offeringId);
      if (!offering) throw bad(`offering '${offeringId}' does not exist`);
      return jobs.start(id, () => {
        const live = still(id);
        Object.assign(live, { offeringId, vcpus: offering.vcpus, memoryMb: offering.memoryMb });
        return result(live);
      });
    },

    destroyInstance: async (id, { expunge = false } = {}) => {
      const i = ctx.instance(id);
      if (i.state === 'deleting' || (i.state === 'deleted' && !expunge)) return jobs.done(id, result(i));
      if (i.state === 'pending' || i.state === 'stopping') throw wrongState(i, 'destroy', 'running, stopped, deleted or in error');
      // Expunging a deleted instance answers with no object, as CloudStack's expungeVirtualMachine does.
      if (i.state === 'deleted') {
        setState(i, 'deleting');
        return jobs.start(id, () => {
          remove(id);
          return { type: 'none' };
        });
      }
      const purge = expunge || i.state === 'error';
      if (i.state === 'running') setState(i, 'stopping');
      return jobs.start(id, () => {
        const live = setState(still(id), purge ? 'deleting' : 'deleted');
        // The record lingers in `deleting` for a moment, as an expunging VM does.
        if (purge) jobs.later(() => remove(id), 0.25);
        else {
          // As CloudStack's expunge thread does after `expunge.delay`: a destroyed instance nobody recovered goes
          // for good. Without it every destroyed instance would stay in memory for the life of the process.
          const token = ++expungeTokens;
          live.expungeToken = token;
          jobs.after(state.expungeDelayMs, () => {
            const now = state.instances.get(id);
            if (now?.state === 'deleted' && now.expungeToken === token) remove(id);
          });
        }
        return result(live);
      });
    },

    recoverInstance: async (id) => {
      const i = ctx.instance(id);
      if (i.state !== 'deleted') throw wrongState(i, 'recover', 'deleted');
      return jobs.done(id, result(setState(i, 'stopped')));
    },
  };
};

export const setState = (i: SimInstance, s: Instance['state']): SimInstance => {
  i.state = s;
  i.providerState = s;
  return i;
};
