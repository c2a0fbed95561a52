/**
 * @module CLI commands of the access layer. They open the database and call the same AccessService as the admin
 * API; each change is audited (actor `system:cli`) and bumps the shared version, so running replicas pick it up
 * within their poll interval.
 */
import { parseArgs } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { AccessService } from '../access/access-service.js';
import { AccessService as Service } from '../access/access-service.js';
import { AuditEntry } from '../access/entities/audit-entry.js';
import type { SubscriptionStatus } from '../access/entities/subscription.js';
import { readUsage } from '../access/read-usage.js';

export const ACCESS_HELP = `  orgs create --name N --kind business|individual
  apps create --org ORG_ID --name N
  keys issue --app APP_ID --name N [--scopes a,b] [--expires ISO]   (prints the key once)
  keys revoke KEY_ID
  plans create --asset ID --name N [--per-second N] [--per-minute N] [--quota N] [--approval] [--limit NAME=N]...
  subscribe --app APP_ID --plan PLAN_ID
  subscriptions set SUB_ID active|suspended|cancelled
  assets enable|disable ASSET_ID [--app APP_ID]
  operators create --email E --name N --role admin|operator|viewer   (prints the token once)
  audit [--limit N]
  usage [--app APP_ID] [--asset ASSET_ID] [--day]`;

export interface AccessCliDeps {
  out: (line: string) => void;
  /** Opens the database with the configured plugins; returns the ORM and the asset ids. */
  open: () => Promise<{ orm: MikroORM; assetIds: string[] }>;
}

const ACTOR = { type: 'system' as const, id: 'cli' };

/** A limit from the command line: a whole number of at least 1, as the admin API requires. */
const num = (v: string | undefined, flag: string) => {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a whole number of at least 1, got '${v}'`);
  return n;
};

/** `--limit instances=5 --limit vcpus=8`: the asset's own limits, checked as the admin API checks them. */
const limitsOf = (pairs: string[]): Record<string, number> => {
  const limits: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([a-zA-Z][a-zA-Z0-9]{0,63})=(\d+)$/.exec(pair);
    if (!m) throw new Error(`--limit must be NAME=N (a name of letters and digits, a whole number of at least 0), got '${pair}'`);
    limits[m[1]] = Number(m[2]);
  }
  return limits;
};

const date = (v: string | undefined) => {
  if (v === undefined) return null;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`--expires must be an ISO date-time, got '${v}'`);
  return d;
};

export const accessCommands = ({ out, open }: AccessCliDeps): Record<string, (args: string[]) => Promise<number>> => {
  const withService = async (work: (service: AccessService, orm: MikroORM) => Promise<void>): Promise<number> => {
    const { orm, assetIds } = await open();
    try {
      await work(new Service(orm, () => assetIds), orm);
      return 0;
    } finally {
      await orm.close(true);
    }
  };
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));
  const usage = (text: string): never => {
    throw new Error(`usage: npx switchboard ${text}`);
  };

  return {
    orgs: (args) =>
      withService(async (s) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { name: { type: 'string' }, kind: { type: 'string' } },
        });
        if (positionals[0] !== 'create' || !values.name || !['business', 'individual'].includes(values.kind ?? ''))
          usage('orgs create --name N --kind business|individual');
        json(await s.createOrganization(ACTOR, { name: values.name as string, kind: values.kind as 'business' | 'individual' }));
      }),
    apps: (args) =>
      withService(async (s) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { org: { type: 'string' }, name: { type: 'string' } },
        });
        if (positionals[0] !== 'create' || !values.org || !values.name) usage('apps create --org ORG_ID --name N');
        json(await s.createApp(ACTOR, { orgId: values.org as string, name: values.name as string }));
      }),
    keys: (args) =>
      withService(async (s) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { app: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' } },
        });
        if (positionals[0] === 'revoke' && positionals[1]) {
          json(await s.revokeKey(ACTOR, positionals[1]));
          return;
        }
        if (positionals[0] !== 'issue' || !values.app || !values.name) usage('keys issue --app APP_ID --name N | keys revoke KEY_ID');
        const issued = await s.issueKey(ACTOR, {
          appId: values.app as string,
          name: values.name as string,
          scopes: values.scopes?.split(',').map((x) => x.trim()),
          expiresAt: date(values.expires),
        });
        json(issued);
        out('Store the key now: it is not shown again.');
      }),
    plans: (args) =>
      withService(async (s) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: {
            asset: { type: 'string' },
            name: { type: 'string' },
            'per-second': { type: 'string' },
            'per-minute': { type: 'string' },
            quota: { type: 'string' },
            approval: { type: 'boolean', default: false },
            limit: { type: 'string', multiple: true },
          },
        });
        if (positionals[0] !== 'create' || !values.asset || !values.name) usage('plans create --asset ID --name N [...]');
        json(
          await s.createPlan(ACTOR, {
            assetId: values.asset as string,
            name: values.name as string,
            perSecond: num(values['per-second'], 'per-second'),
            perMinute: num(values['per-minute'], 'per-minute'),
            monthlyQuota: num(values.quota, 'quota'),
            requiresApproval: values.approval,
            limits: values.limit ? limitsOf(values.limit) : null,
          }),
        );
      }),
    subscribe: (args) =>
      withService(async (s) => {
        const { values } = parseArgs({ args, options: { app: { type: 'string' }, plan: { type: 'string' } } });
        if (!values.app || !values.plan) usage('subscribe --app APP_ID --plan PLAN_ID');
        json(await s.subscribe(ACTOR, { appId: values.app as string, planId: values.plan as string }));
      }),
    subscriptions: (args) =>
      withService(async (s) => {
        const [verb, id, status] = args;
        if (verb !== 'set' || !id || !['active', 'suspended', 'cancelled'].includes(status))
          usage('subscriptions set SUB_ID active|suspended|cancelled');
        json(await s.setSubscriptionStatus(ACTOR, id, status as SubscriptionStatus));
      }),
    assets: (args) =>
      withService(async (s) => {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { app: { type: 'string' } } });
        const [verb, assetId] = positionals;
        if (!['enable', 'disable'].includes(verb) || !assetId) usage('assets enable|disable ASSET_ID [--app APP_ID]');
        json(await s.setToggle(ACTOR, { assetId, appId: values.app ?? null, enabled: verb === 'enable' }));
      }),
    operators: (args) =>
      withService(async (s) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
        });
        if (positionals[0] !== 'create' || !values.email || !values.name || !['admin', 'operator', 'viewer'].includes(values.role ?? '')) {
          usage('operators create --email E --name N --role admin|operator|viewer');
        }
        json(await s.createOperator(ACTOR, { email: values.email as string, name: values.name as string, role: values.role as 'admin' }));
        out('Store the token now: it is not shown again.');
      }),
    audit: (args) =>
      withService(async (_s, orm) => {
        const { values } = parseArgs({ args, options: { limit: { type: 'string', default: '20' } } });
        const rows = await orm.em.fork().find(AuditEntry, {}, { orderBy: { id: 'desc' }, limit: Number(values.limit) });
        for (const e of rows)
          out(`${new Date(e.at).toISOString()}  ${e.actorType}:${e.actorId}  ${e.action}  ${e.targetType}:${e.targetId}`);
      }),
    usage: (args) =>
      withService(async (_s, orm) => {
        const { values } = parseArgs({
          args,
          options: { app: { type: 'string' }, asset: { type: 'string' }, day: { type: 'boolean', default: false } },
        });
        const result = await readUsage(orm.em.fork(), {
          appId: values.app,
          assetId: values.asset,
          granularity: values.day ? 'day' : 'hour',
        });
        for (const i of result.items) out(`${i.period}  ${i.appId}  ${i.assetId}  ${i.operationId}  ${i.statusClass}  ${i.count}`);
      }),
  };
};
