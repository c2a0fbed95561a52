/** @module Zones, service offerings, OS types and templates (registerTemplate is sync and lists; createTemplate is async). */
import { randomUUID } from 'node:crypto';
import { ApiError, missingParam } from '../api-error.js';
import type { Handler } from '../fake-context.js';
import { csDate, type Json } from '../fake-state.js';
import { listResponse } from '../list-response.js';

const FILTERS = ['featured', 'self', 'selfexecutable', 'sharedexecutable', 'executable', 'community', 'all'];

const own = (t: Json, account: string) => t.account === account;

export const catalogueCommands: Record<string, Handler> = {
  listZones: (p, { state }) => {
    const id = p.get('id');
    return listResponse(
      p,
      'zone',
      [...state.zones.values()].filter((z) => !id || z.id === id),
    );
  },

  listServiceOfferings: (p, { state }) => {
    const id = p.get('id');
    return listResponse(
      p,
      'serviceoffering',
      [...state.offerings.values()].filter((o) => !id || o.id === id),
    );
  },

  listOsTypes: (p, { state }) => {
    const keyword = p.get('keyword')?.toLowerCase();
    return listResponse(
      p,
      'ostype',
      [...state.osTypes.values()].filter((o) => !keyword || String(o.description).toLowerCase().includes(keyword)),
    );
  },

  listTemplates: (p, { state }) => {
    const filter = p.require('templatefilter');
    if (!FILTERS.includes(filter))
      throw new ApiError(431, `Unable to execute API command listtemplates due to invalid value ${filter} for parameter templatefilter`);
    const id = p.get('id');
    if (id !== undefined) p.entity('id', state.templates);
    const zone = p.get('zoneid');
    const account = state.account.name;
    const pass: Record<string, (t: Json) => boolean> = {
      featured: (t) => t.isfeatured === true,
      self: (t) => own(t, account),
      selfexecutable: (t) => own(t, account) && t.isready === true,
      sharedexecutable: () => false,
      executable: (t) => t.isready === true && (own(t, account) || t.ispublic === true),
      community: (t) => t.ispublic === true && t.isfeatured !== true,
      all: () => true,
    };
    return listResponse(
      p,
      'template',
      [...state.templates.values()].filter(
        (t) => pass[filter](t) && (!id || t.id === id) && (!zone || t.zoneid === null || t.zoneid === zone),
      ),
    );
  },

  registerTemplate: (p, ctx) => {
    const { state } = ctx;
    for (const name of ['name', 'displaytext', 'url', 'format', 'hypervisor', 'zoneid']) p.require(name);
    const ostype = p.entity('ostypeid', state.osTypes);
    const zone = p.require('zoneid');
    if (zone !== '-1') p.entity('zoneid', state.zones);
    if (!/^https?:\/\//.test(p.require('url'))) throw new ApiError(431, 'Unsupported scheme for url');
    const t: Json = {
      id: randomUUID(),
      name: p.require('name'),
      displaytext: p.require('displaytext'),
      ispublic: false,
      isfeatured: false,
      isready: false,
      status: 'Downloading',
      ostypeid: ostype.id,
      format: p.require('format'),
      hypervisor: p.require('hypervisor'),
      account: state.account.name,
      created: csDate(),
      zoneid: zone === '-1' ? null : zone,
    };
    state.templates.set(t.id as string, t);
    // Secondary storage downloads the image in the background; the template is ready afterwards.
    ctx.later(() => Object.assign(t, { isready: true, status: 'Download Complete', size: 2147483648 }));
    return { count: 1, template: [t] };
  },

  createTemplate: (p, ctx) => {
    const { state } = ctx;
    p.require('name');
    const ostype = p.entity('ostypeid', state.osTypes);
    const volume = p.optionalEntity('volumeid', state.volumes);
    const snapshot = p.optionalEntity('snapshotid', state.snapshots);
    if (!volume === !snapshot)
      throw new ApiError(431, 'Failed to create private template record, need to specify either volume id or snapshot id');
    if (volume) {
      const vm = state.vms.get(volume.virtualmachineid as string);
      if (vm && vm.state !== 'Stopped')
        throw new ApiError(431, `VM ${vm.id} must be in Stopped state to create a template from its volume`);
    }
    if (snapshot && snapshot.state !== 'BackedUp')
      throw new ApiError(431, `Snapshot ${snapshot.id} is not in BackedUp state yet and can't be used for template creation`);
    if (!volume && !snapshot) throw missingParam(p.command, 'volumeid');
    const t: Json = {
      id: randomUUID(),
      name: p.require('name'),
      displaytext: p.get('displaytext') ?? p.require('name'),
      ispublic: false,
      isfeatured: false,
      isready: false,
      status: 'Creating',
      ostypeid: ostype.id,
      format: 'QCOW2',
      hypervisor: 'Simulator',
      account: state.account.name,
      created: csDate(),
      zoneid: (volume ?? snapshot)?.zoneid ?? null,
    };
    state.templates.set(t.id as string, t);
    const job = ctx.job({ cmd: 'template.CreateTemplateCmd', type: 'Template', id: t.id as string }, () => () => {
      Object.assign(t, { isready: true, status: 'Download Complete', size: 2147483648 });
      return { template: t };
    });
    return { id: t.id, jobid: job.jobid };
  },

  deleteTemplate: (p, ctx) => {
    const t = p.entity('id', ctx.state.templates);
    if (!own(t, ctx.state.account.name))
      throw new ApiError(531, `Account ${ctx.state.account.name} does not have permission to delete template ${t.id}`);
    const job = ctx.job({ cmd: 'template.DeleteTemplateCmd', type: 'Template', id: t.id as string }, () => () => {
      ctx.state.templates.delete(t.id as string);
      ctx.state.tags.delete(t.id as string);
      return { success: true };
    });
    return { jobid: job.jobid };
  },
};
