/**
 * @module What a new instance refers to, checked as the app's own: the zone, a template it may deploy (public or its
 * own), its key pair (by the app's name), its firewall groups (by default the app's `default` group, made on first use).
 * A reference to something the app cannot see is a 400 at that field, as if it did not exist.
 */
import { driverErrorReason } from '../driver/driver-error.js';
import { FirewallGroup } from '../entities/firewall-group.js';
import { KeyPair } from '../entities/key-pair.js';
import { Template } from '../entities/template.js';
import { providerName } from '../service/ids.js';
import { type Ctx, invalid, isUniqueViolation } from './context.js';

export const DEFAULT_GROUP = 'default';

/** The app's `default` firewall group: no ingress until the app adds rules, shared by its instances given no group. */
export const ensureDefaultGroup = async (ctx: Ctx, appId: string | null): Promise<string> => {
  const { db, driver } = ctx;
  const found = await db.findOne(FirewallGroup, { appId, name: DEFAULT_GROUP });
  if (found) return found.id;
  const name = providerName(appId, DEFAULT_GROUP);
  let group: { id: string; description: string };
  try {
    group = await driver.createFirewallGroup({ name, description: 'default firewall group of a Switchboard app' });
  } catch (e) {
    // Another request of the same app made it a moment ago.
    if (driverErrorReason(e) !== 'already-exists') throw e;
    const existing = (await driver.listFirewallGroups()).find((g) => g.name === name);
    if (!existing) throw e;
    group = existing;
  }
  try {
    await db.fork().insert(FirewallGroup, {
      id: group.id,
      appId,
      name: DEFAULT_GROUP,
      providerName: name,
      description: group.description,
      createdAt: new Date(),
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  return group.id;
};

export interface LaunchRefs {
  providerKeyPair?: string;
  firewallGroupIds: string[];
}

export const resolveLaunchRefs = async (
  ctx: Ctx,
  appId: string | null,
  body: { zoneId: string; templateId: string; keyPair?: string; firewallGroupIds?: string[] },
): Promise<LaunchRefs> => {
  const { db, driver } = ctx;
  if (!(await ctx.provider.zones()).some((z) => z.id === body.zoneId))
    throw invalid('/body/zoneId', `zone '${body.zoneId}' does not exist`);

  const own = await db.findOne(Template, { id: body.templateId, appId });
  if (!own) {
    const template = await driver.getTemplate(body.templateId).catch((e) => {
      if (driverErrorReason(e) === 'not-found') return null;
      throw e;
    });
    // Another app's template is private to it: the same answer as one that does not exist.
    if (!template?.isPublic) throw invalid('/body/templateId', `template '${body.templateId}' does not exist`);
  }

  let providerKeyPair: string | undefined;
  if (body.keyPair !== undefined) {
    const pair = await db.findOne(KeyPair, { appId, name: body.keyPair });
    if (!pair) throw invalid('/body/keyPair', `key pair '${body.keyPair}' does not exist`);
    providerKeyPair = pair.providerName;
  }

  let firewallGroupIds: string[];
  if (body.firewallGroupIds?.length) {
    const groups = await db.find(FirewallGroup, { appId, id: { $in: body.firewallGroupIds } });
    body.firewallGroupIds.forEach((g, i) => {
      if (!groups.some((x) => x.id === g)) throw invalid(`/body/firewallGroupIds/${i}`, `firewall group '${g}' does not exist`);
    });
    firewallGroupIds = [...body.firewallGroupIds];
  } else {
    firewallGroupIds = [await ensureDefaultGroup(ctx, appId)];
  }
  return { providerKeyPair, firewallGroupIds };
};
