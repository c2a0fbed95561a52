/** @module Simulated templates: the fixed catalogue plus the account's own (registered, or made from a snapshot or instance). */
import { randomUUID } from 'node:crypto';
import type { Template } from '../driver/catalogue.js';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import { checkName } from '../driver/validate-input.js';
import { SIMULATOR_OFFERINGS, SIMULATOR_OS_TYPE, SIMULATOR_ZONES } from './simulator-catalogue.js';
import type { SimContext, SimTemplate } from './simulator-state.js';

type TemplatePart = Pick<
  ComputeDriver,
  'listZones' | 'listOfferings' | 'listTemplates' | 'getTemplate' | 'registerTemplate' | 'createTemplate' | 'deleteTemplate'
>;

const view = ({ own: _, tags: __, ...t }: SimTemplate): Template => ({ ...t });

export const createSimulatorTemplates = (ctx: SimContext): TemplatePart => {
  const { state, jobs } = ctx;
  const template = (id: string) => {
    const t = state.templates.get(id);
    if (!t) throw notFound('template', id, { provider: 'simulator' });
    return t;
  };
  const add = (fields: Pick<Template, 'name' | 'description' | 'zoneId' | 'osTypeId'>): SimTemplate => {
    const t: SimTemplate = {
      id: randomUUID(),
      ...fields,
      status: 'pending',
      isPublic: false,
      sizeBytes: null,
      createdAt: new Date().toISOString(),
      own: true,
      tags: {},
    };
    state.templates.set(t.id, t);
    return t;
  };
  const ready = (t: SimTemplate) => Object.assign(t, { status: 'ready', sizeBytes: 2 * 1024 ** 3 });

  return {
    listZones: async () => structuredClone(SIMULATOR_ZONES),
    listOfferings: async () => structuredClone(SIMULATOR_OFFERINGS),
    listTemplates: async ({ zoneId } = {}) =>
      [...state.templates.values()].filter((t) => !zoneId || t.zoneId === null || t.zoneId === zoneId).map(view),
    getTemplate: async (id) => view(template(id)),

    registerTemplate: async (input) => {
      checkName('template', input.name);
      if (!/^https?:\/\//.test(input.url)) throw driverError('bad-parameter', 'template url must be http or https');
      if (input.zoneId && !SIMULATOR_ZONES.some((z) => z.id === input.zoneId))
        throw driverError('bad-parameter', `zone '${input.zoneId}' does not exist`);
      const t = add({
        name: input.name,
        description: input.description ?? input.name,
        zoneId: input.zoneId ?? null,
        osTypeId: input.osTypeId ?? SIMULATOR_OS_TYPE,
      });
      // The download, as CloudStack's secondary storage would do it.
      jobs.later(() => ready(t));
      return view(t);
    },

    createTemplate: async ({ name, description, source, osTypeId }) => {
      checkName('template', name);
      let zoneId: string | null;
      if ('snapshotId' in source) {
        const snap = state.snapshots.get(source.snapshotId);
        if (snap?.type !== 'volume') throw notFound('snapshot', source.snapshotId, { provider: 'simulator' });
        if (snap.state !== 'ready') throw driverError('invalid-state', `snapshot '${snap.id}' is ${snap.state}; it must be ready`);
        zoneId = snap.instanceId ? (state.instances.get(snap.instanceId)?.zoneId ?? null) : null;
      } else {
        const i = ctx.instance(source.instanceId);
        if (i.state !== 'stopped') throw driverError('invalid-state', `instance '${i.id}' is ${i.state}; stop it to make a template`);
        zoneId = i.zoneId;
        osTypeId ??= state.templates.get(i.templateId)?.osTypeId ?? undefined;
      }
      const t = add({ name, description: description ?? name, zoneId, osTypeId: osTypeId ?? SIMULATOR_OS_TYPE });
      return jobs.start(t.id, () => ({ type: 'template', template: view(ready(t)) }));
    },

    deleteTemplate: async (id) => {
      const t = template(id);
      if (!t.own) throw driverError('not-permitted', `template '${id}' is provided by the operator and cannot be deleted`);
      return jobs.start(id, () => {
        state.templates.delete(id);
        return { type: 'none' };
      });
    },
  };
};
