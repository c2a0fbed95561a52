/** @module Firewall groups on CloudStack: security groups and their ingress rules. */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { notFound } from '../driver/driver-error.js';
import { checkFirewallRule, checkName } from '../driver/validate-input.js';
import type { Json } from './cloudstack-client.js';
import type { CloudStackContext } from './cloudstack-context.js';
import { toFirewallGroup } from './map-resources.js';

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

export const createCloudStackFirewall = (ctx: CloudStackContext): FirewallPart => {
  const getGroup = async (id: string) => {
    const { items } = await ctx.list<Json>('listSecurityGroups', 'securitygroup', { id }, { what: 'firewall group', id });
    if (!items[0]) throw notFound('firewall group', id, { provider: 'cloudstack' });
    return toFirewallGroup(items[0]);
  };
  return {
    createFirewallGroup: async ({ name, description }) => {
      checkName('firewall group', name);
      const answer = await ctx.call('createSecurityGroup', { name, description });
      return toFirewallGroup(answer.securitygroup as Json);
    },
    getFirewallGroup: getGroup,
    listFirewallGroups: async () => (await ctx.listAll<Json>('listSecurityGroups', 'securitygroup')).map(toFirewallGroup),
    deleteFirewallGroup: async (id) => {
      await ctx.call('deleteSecurityGroup', { id }, { what: 'firewall group', id });
    },
    addFirewallRule: async (groupId, rule) => {
      checkFirewallRule(rule);
      const answer = await ctx.call(
        'authorizeSecurityGroupIngress',
        {
          securitygroupid: groupId,
          protocol: rule.protocol,
          startport: rule.startPort,
          endport: rule.endPort,
          icmptype: rule.protocol === 'icmp' ? (rule.icmpType ?? -1) : undefined,
          icmpcode: rule.protocol === 'icmp' ? (rule.icmpCode ?? -1) : undefined,
          cidrlist: rule.cidr,
        },
        { what: 'firewall group', id: groupId, param: 'securitygroupid' },
      );
      return ctx.pending(answer);
    },
    listFirewallRules: async (groupId) => (await getGroup(groupId)).rules,
    revokeFirewallRule: async (ruleId) =>
      ctx.pending(await ctx.call('revokeSecurityGroupIngress', { id: ruleId }, { what: 'firewall rule', id: ruleId }), ruleId),
  };
};
