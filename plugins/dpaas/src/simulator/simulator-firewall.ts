/** @module Simulated firewall groups (security groups) with ingress rules; every account starts with `default`. */
import { randomUUID } from 'node:crypto';
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import type { FirewallGroup } from '../driver/firewall.js';
import { checkFirewallRule, checkName } from '../driver/validate-input.js';
import type { SimContext } from './simulator-state.js';

type FirewallPart = Pick<
  ComputeDriver,
  | 'createFirewallGroup'
  | 'getFirewallGroup'
  | 'listFirewallGroups'
  | 'deleteFirewallGroup'
  | 'addFirewallRule'
  | 'listFirewallRules'
  | 'revokeFirewallRule'
>;

export const defaultFirewallGroup = (): FirewallGroup => ({
  id: randomUUID(),
  name: 'default',
  description: 'Default security group',
  rules: [],
});

export const createSimulatorFirewall = (ctx: SimContext): FirewallPart => {
  const { state, jobs } = ctx;
  const group = (id: string) => {
    const g = state.groups.get(id);
    if (!g) throw notFound('firewall group', id, { provider: 'simulator' });
    return g;
  };
  const owner = (ruleId: string) => [...state.groups.values()].find((g) => g.rules.some((r) => r.id === ruleId));

  return {
    createFirewallGroup: async ({ name, description }) => {
      checkName('firewall group', name);
      if ([...state.groups.values()].some((g) => g.name === name))
        throw driverError('already-exists', `a firewall group named '${name}' already exists`);
      const g: FirewallGroup = { id: randomUUID(), name, description: description ?? '', rules: [] };
      state.groups.set(g.id, g);
      return structuredClone(g);
    },
    getFirewallGroup: async (id) => structuredClone(group(id)),
    listFirewallGroups: async () => structuredClone([...state.groups.values()]),
    deleteFirewallGroup: async (id) => {
      const g = group(id);
      if (g.name === 'default') throw driverError('bad-parameter', 'the default firewall group cannot be deleted');
      if ([...state.instances.values()].some((i) => i.firewallGroupIds.includes(id)))
        throw driverError('in-use', `firewall group '${id}' is used by instances`);
      state.groups.delete(id);
    },
    addFirewallRule: async (groupId, input) => {
      checkFirewallRule(input);
      group(groupId);
      return jobs.start(undefined, () => {
        const g = group(groupId);
        const ports = input.protocol === 'tcp' || input.protocol === 'udp';
        const icmp = input.protocol === 'icmp';
        const rule = {
          id: randomUUID(),
          groupId,
          protocol: input.protocol,
          startPort: ports ? (input.startPort ?? null) : null,
          endPort: ports ? (input.endPort ?? null) : null,
          icmpType: icmp ? (input.icmpType ?? -1) : null,
          icmpCode: icmp ? (input.icmpCode ?? -1) : null,
          cidr: input.cidr,
        };
        g.rules.push(rule);
        return { type: 'firewall-rule', rule: { ...rule } };
      });
    },
    listFirewallRules: async (groupId) => structuredClone(group(groupId).rules),
    revokeFirewallRule: async (ruleId) => {
      if (!owner(ruleId)) throw notFound('firewall rule', ruleId, { provider: 'simulator' });
      return jobs.start(ruleId, () => {
        const g = owner(ruleId);
        if (g) g.rules = g.rules.filter((r) => r.id !== ruleId);
        return { type: 'none' };
      });
    },
  };
};
