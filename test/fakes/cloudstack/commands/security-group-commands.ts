/** @module Security groups and their ingress rules (Basic zones / SG-enabled Advanced zones). */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api-error.js';
import type { Handler } from '../fake-context.js';
import type { Json } from '../fake-state.js';
import { listResponse } from '../list-response.js';

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'all'];

export const securityGroupCommands: Record<string, Handler> = {
  createSecurityGroup: (p, { state }) => {
    const name = p.require('name');
    if ([...state.groups.values()].some((g) => g.name === name))
      throw new ApiError(431, `Unable to create security group, a group with name ${name} already exists.`);
    const g = {
      id: randomUUID(),
      name,
      description: p.get('description') ?? '',
      account: state.account.name,
      ingressrule: [] as Json[],
      egressrule: [],
    };
    state.groups.set(g.id, g);
    return { securitygroup: g };
  },

  deleteSecurityGroup: (p, { state }) => {
    const g = p.entity('id', state.groups);
    if (g.name === 'default') throw new ApiError(431, "The network default group can't be removed");
    if ([...state.vms.values()].some((vm) => (vm.securitygroupids as string[]).includes(g.id as string)))
      throw new ApiError(536, "Cannot delete group when it's in use by virtual machines");
    state.groups.delete(g.id as string);
    return { success: 'true' };
  },

  listSecurityGroups: (p, { state }) => {
    const id = p.get('id');
    if (id !== undefined) p.entity('id', state.groups);
    const name = p.get('securitygroupname');
    return listResponse(
      p,
      'securitygroup',
      [...state.groups.values()].filter((g) => (!id || g.id === id) && (!name || g.name === name)),
    );
  },

  authorizeSecurityGroupIngress: (p, ctx) => {
    const g = p.entity('securitygroupid', ctx.state.groups);
    const protocol = p.require('protocol').toLowerCase();
    if (!PROTOCOLS.includes(protocol)) throw new ApiError(431, `Invalid protocol ${protocol}`);
    const ports = protocol === 'tcp' || protocol === 'udp';
    const start = p.int('startport');
    const end = p.int('endport');
    if (ports && (start === undefined || end === undefined))
      throw new ApiError(431, 'Invalid port range: startport and endport are required for tcp and udp');
    if (ports && ((start as number) < 0 || (end as number) > 65535 || (start as number) > (end as number)))
      throw new ApiError(431, `Invalid port range ${start}:${end}`);
    const cidrs = (p.get('cidrlist') ?? '0.0.0.0/0').split(',');
    const job = ctx.job({ cmd: 'securitygroup.AuthorizeSecurityGroupIngressCmd', type: 'SecurityGroup', id: g.id as string }, () => () => {
      const rules = cidrs.map((cidr) => ({
        ruleid: randomUUID(),
        protocol,
        ...(ports ? { startport: start, endport: end } : {}),
        ...(protocol === 'icmp' ? { icmptype: p.int('icmptype') ?? -1, icmpcode: p.int('icmpcode') ?? -1 } : {}),
        cidr,
      }));
      g.ingressrule.push(...rules);
      // The answer carries the group with only the rules just added, as CloudStack's does.
      return { securitygroup: { ...g, ingressrule: rules } };
    });
    return { jobid: job.jobid };
  },

  revokeSecurityGroupIngress: (p, ctx) => {
    const id = p.require('id');
    const g = [...ctx.state.groups.values()].find((x) => x.ingressrule.some((r) => r.ruleid === id));
    if (!g) p.entity('id', new Map());
    const job = ctx.job({ cmd: 'securitygroup.RevokeSecurityGroupIngressCmd', type: 'SecurityGroup', id: g?.id as string }, () => () => {
      if (g) g.ingressrule = g.ingressrule.filter((r) => r.ruleid !== id);
      return { success: true };
    });
    return { jobid: job.jobid };
  },
};
