/** @module Zones, offerings and templates on CloudStack. */
import type { Template } from '../driver/catalogue.js';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import { checkName } from '../driver/validate-input.js';
import type { Json } from './cloudstack-client.js';
import type { CloudStackContext } from './cloudstack-context.js';
import { toOffering, toTemplate, toZone } from './map-resources.js';

type CataloguePart = Pick<
  ComputeDriver,
  'listZones' | 'listOfferings' | 'listTemplates' | 'getTemplate' | 'registerTemplate' | 'createTemplate' | 'deleteTemplate'
>;

/** A template is listed once per zone it is in: one neutral template, zone-less when it is in several. */
const mergeZones = (rows: Json[]): Template[] => {
  const byId = new Map<string, Template>();
  for (const row of rows) {
    const t = toTemplate(row);
    const seen = byId.get(t.id);
    if (!seen) byId.set(t.id, t);
    else if (seen.zoneId !== t.zoneId) seen.zoneId = null;
  }
  return [...byId.values()];
};

export const createCloudStackCatalogue = (ctx: CloudStackContext): CataloguePart => {
  let osTypeCache: string | undefined;
  /** CloudStack wants an OS type for every template; fall back to "Other Linux" rather than asking every caller. */
  const osType = async (given?: string | null): Promise<string> => {
    if (given) return given;
    if (ctx.tuning.defaultOsTypeId) return ctx.tuning.defaultOsTypeId;
    if (osTypeCache) return osTypeCache;
    let { items } = await ctx.list('listOsTypes', 'ostype', { keyword: 'Other Linux' });
    if (!items.length) ({ items } = await ctx.list('listOsTypes', 'ostype', { page: 1, pagesize: 1 }));
    if (!items[0]) throw driverError('provider', 'CloudStack lists no OS types to register templates with');
    osTypeCache = String(items[0].id);
    return osTypeCache;
  };

  // `executable` is what may be deployed; `self` adds this account's templates still downloading or being made.
  const templates = async (params: Record<string, string | undefined>) => [
    ...(await ctx.listAll('listTemplates', 'template', { ...params, templatefilter: 'executable' })),
    ...(await ctx.listAll('listTemplates', 'template', { ...params, templatefilter: 'self' })),
  ];

  return {
    listZones: async () => (await ctx.listAll('listZones', 'zone')).map(toZone),
    listOfferings: async () => (await ctx.listAll('listServiceOfferings', 'serviceoffering')).map(toOffering),
    listTemplates: async ({ zoneId } = {}) => mergeZones(await templates({ zoneid: zoneId })),
    getTemplate: async (id) => {
      for (const templatefilter of ['executable', 'self']) {
        const { items } = await ctx.list('listTemplates', 'template', { id, templatefilter }, { what: 'template', id });
        if (items.length) return mergeZones(items)[0];
      }
      throw notFound('template', id, { provider: 'cloudstack' });
    },
    registerTemplate: async (input) => {
      checkName('template', input.name);
      if (!/^https?:\/\//.test(input.url)) throw driverError('bad-parameter', 'template url must be http or https');
      const body = await ctx.call('registerTemplate', {
        name: input.name,
        displaytext: input.description ?? input.name,
        url: input.url,
        format: input.format ?? 'QCOW2',
        hypervisor: ctx.tuning.hypervisor,
        ostypeid: await osType(input.osTypeId),
        zoneid: input.zoneId ?? '-1',
      });
      const row = (Array.isArray(body.template) ? body.template[0] : body.template) as Json | undefined;
      if (!row) throw driverError('provider', 'CloudStack registerTemplate answered without the template');
      return toTemplate(row);
    },
    createTemplate: async ({ name, description, source, osTypeId }) => {
      checkName('template', name);
      const base = { name, displaytext: description ?? name };
      if ('snapshotId' in source) {
        const answer = await ctx.call(
          'createTemplate',
          { ...base, ostypeid: await osType(osTypeId), snapshotid: source.snapshotId },
          { what: 'snapshot', id: source.snapshotId, param: 'snapshotid' },
        );
        return ctx.pending(answer);
      }
      const vm = await ctx.vm(source.instanceId);
      if (vm.state !== 'Stopped')
        throw driverError(
          'invalid-state',
          `instance '${source.instanceId}' is ${String(vm.state).toLowerCase()}; stop it to make a template`,
        );
      const { items } = await ctx.list('listVolumes', 'volume', { virtualmachineid: source.instanceId, type: 'ROOT' });
      if (!items[0]) throw driverError('invalid-state', `instance '${source.instanceId}' has no root volume`);
      const answer = await ctx.call('createTemplate', {
        ...base,
        ostypeid: await osType(osTypeId ?? (vm.ostypeid as string)),
        volumeid: String(items[0].id),
      });
      return ctx.pending(answer);
    },
    deleteTemplate: async (id) => ctx.pending(await ctx.call('deleteTemplate', { id }, { what: 'template', id }), id),
  };
};
