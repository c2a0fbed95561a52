/**
 * @module Firewall groups (the provider's security groups, named per app) and their ingress rules. Rules live at the
 * provider only; the platform keeps which groups are whose.
 */
import { ConflictError, NotFoundError } from '@switchboard/sdk';
import { driverErrorReason } from '../driver/driver-error.js';
import { FirewallGroup } from '../entities/firewall-group.js';
import { providerName } from '../service/ids.js';
import { groupView, ruleView } from '../service/views.js';
import { type Ctx, isUniqueViolation, type Part, runOperation } from './context.js';

type FirewallHandlers = Part<
  | 'listFirewallGroups'
  | 'createFirewallGroup'
  | 'getFirewallGroup'
  | 'deleteFirewallGroup'
  | 'listFirewallRules'
  | 'addFirewallRule'
  | 'revokeFirewallRule'
>;

export const firewallHandlers = (ctx: Ctx): FirewallHandlers => {
  const { db, driver } = ctx;
  const ownGroup = async (appId: string | null, id: string) => {
    const row = await db.findOne(FirewallGroup, { id, appId });
    if (!row) throw new NotFoundError('firewall group', id);
    return row;
  };

  return {
    listFirewallGroups: async ({ caller }) => {
      const rows = await db.find(FirewallGroup, { appId: caller.appId }, { orderBy: { createdAt: 'asc' } });
      const rules = rows.length ? new Map((await driver.listFirewallGroups()).map((g) => [g.id, g.rules])) : new Map();
      return { status: 200, body: { items: rows.map((r) => groupView(r, rules.get(r.id) ?? [])) } };
    },

    createFirewallGroup: async ({ body, caller }) => {
      const appId = caller.appId;
      if (await db.count(FirewallGroup, { appId, name: body.name }))
        throw new ConflictError(`a firewall group named '${body.name}' already exists`, { code: 'ALREADY_EXISTS' });
      const name = providerName(appId, body.name);
      const group = await driver.createFirewallGroup({ name, description: body.description ?? '' });
      const row = db.create(FirewallGroup, {
        id: group.id,
        appId,
        name: body.name,
        providerName: name,
        description: body.description ?? '',
        createdAt: new Date(),
      });
      try {
        await db.flush();
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        // A concurrent request of the app took the name first (the provider refuses a second group of that name
        // already, so this is the rare case of two names mapping apart): nothing of ours refers to the group yet.
        await driver.deleteFirewallGroup(group.id).catch(() => undefined);
        throw new ConflictError(`a firewall group named '${body.name}' already exists`, { code: 'ALREADY_EXISTS' });
      }
      return { status: 201, body: groupView(row, group.rules) };
    },

    getFirewallGroup: async ({ params, caller }) => {
      const row = await ownGroup(caller.appId, params.groupId);
      return { status: 200, body: groupView(row, await driver.listFirewallRules(row.id)) };
    },

    deleteFirewallGroup: async ({ params, caller }) => {
      const row = await ownGroup(caller.appId, params.groupId);
      try {
        await driver.deleteFirewallGroup(row.id);
      } catch (e) {
        // Already gone at the provider: forgetting it is all that is left to do.
        if (driverErrorReason(e) !== 'not-found') throw e;
      }
      await db.remove(row).flush();
      return { status: 204 };
    },

    listFirewallRules: async ({ params, caller }) => {
      const row = await ownGroup(caller.appId, params.groupId);
      return { status: 200, body: { items: (await driver.listFirewallRules(row.id)).map(ruleView) } };
    },

    addFirewallRule: async ({ params, body, caller }) => {
      const row = await ownGroup(caller.appId, params.groupId);
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'firewall-rule.add', resourceType: 'firewall-group', resourceId: row.id, input: { rule: body } },
        () => driver.addFirewallRule(row.id, body),
      );
    },

    revokeFirewallRule: async ({ params, caller }) => {
      const row = await ownGroup(caller.appId, params.groupId);
      if (!(await driver.listFirewallRules(row.id)).some((r) => r.id === params.ruleId))
        throw new NotFoundError('firewall rule', params.ruleId);
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'firewall-rule.revoke', resourceType: 'firewall-rule', resourceId: params.ruleId },
        () => driver.revokeFirewallRule(params.ruleId),
      );
    },
  };
};
