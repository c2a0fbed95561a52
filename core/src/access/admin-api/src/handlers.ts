/** @module The admin API's handlers: thin, over AccessService (changes) and the access tables (reads). */
import type { Database, Handlers } from '@switchboard/sdk';
import { NotFoundError } from '@switchboard/sdk';
import type { BackgroundAdmin } from '../../../background/background-admin.js';
import type { PartnerRegistry } from '../../../partners/partner-registry.js';
import type { Access } from '../../create-access.js';
import { ApiKey } from '../../entities/api-key.js';
import { App } from '../../entities/app.js';
import { AssetToggle, GLOBAL } from '../../entities/asset-toggle.js';
import { AuditEntry } from '../../entities/audit-entry.js';
import { Operator } from '../../entities/operator.js';
import { Organization } from '../../entities/organization.js';
import { Plan } from '../../entities/plan.js';
import { Subscription } from '../../entities/subscription.js';
import { currentActor } from '../../operator-middleware.js';
import { planView } from '../../plan-view.js';
import { readUsage } from '../../read-usage.js';
import { backgroundHandlers } from './background-handlers.js';
import type { operations } from './generated/openapi.js';
import { partnerHandlers } from './partner-handlers.js';

interface Deps {
  access: Access;
  assets: () => { id: string; title: string; basePath: string }[];
  background: BackgroundAdmin;
  partners: PartnerRegistry;
  db: Database;
}

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

const keyView = (k: {
  id: string;
  appId: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  expiresAt?: Date | null;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
}) => ({
  id: k.id,
  appId: k.appId,
  name: k.name,
  scopes: k.scopes,
  createdAt: new Date(k.createdAt).toISOString(),
  expiresAt: iso(k.expiresAt),
  revokedAt: iso(k.revokedAt),
  lastUsedAt: iso(k.lastUsedAt),
});

const subView = (s: { id: string; appId: string; assetId: string; planId: string; status: string; createdAt: Date; updatedAt: Date }) => ({
  id: s.id,
  appId: s.appId,
  assetId: s.assetId,
  planId: s.planId,
  status: s.status as 'pending' | 'active' | 'suspended' | 'cancelled',
  createdAt: new Date(s.createdAt).toISOString(),
  updatedAt: new Date(s.updatedAt).toISOString(),
});

const orgView = (o: { id: string; name: string; kind: string; createdAt: Date }) => ({
  id: o.id,
  name: o.name,
  kind: o.kind as 'business' | 'individual',
  createdAt: new Date(o.createdAt).toISOString(),
});

const appView = (a: { id: string; orgId: string; name: string; createdAt: Date }) => ({
  id: a.id,
  orgId: a.orgId,
  name: a.name,
  createdAt: new Date(a.createdAt).toISOString(),
});

const operatorView = (o: { id: string; email: string; name: string; role: string; createdAt: Date }) => ({
  id: o.id,
  email: o.email,
  name: o.name,
  role: o.role as 'admin' | 'operator' | 'viewer',
  createdAt: new Date(o.createdAt).toISOString(),
});

export const adminHandlers = ({ access, assets, background, partners, db }: Deps): Handlers<operations> => {
  const { service } = access;
  return {
    ...backgroundHandlers(background),
    ...partnerHandlers(partners),

    listOrganizations: async () => ({
      status: 200,
      body: { items: (await db.find(Organization, {}, { orderBy: { createdAt: 'asc' } })).map(orgView) },
    }),
    createOrganization: async ({ body }) => ({ status: 201, body: orgView(await service.createOrganization(currentActor(), body)) }),

    listApps: async ({ query }) => ({
      status: 200,
      body: { items: (await db.find(App, query.orgId ? { orgId: query.orgId } : {}, { orderBy: { createdAt: 'asc' } })).map(appView) },
    }),
    createApp: async ({ body }) => ({ status: 201, body: appView(await service.createApp(currentActor(), body)) }),

    listKeys: async ({ params }) => {
      if (!(await db.findOne(App, { id: params.appId }))) throw new NotFoundError('app', params.appId);
      return {
        status: 200,
        body: { items: (await db.find(ApiKey, { appId: params.appId }, { orderBy: { createdAt: 'asc' } })).map(keyView) },
      };
    },
    issueKey: async ({ params, body }) => {
      const issued = await service.issueKey(currentActor(), {
        appId: params.appId,
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      });
      return { status: 201, body: { ...keyView(issued), key: issued.key } };
    },
    revokeKey: async ({ params }) => ({ status: 200, body: keyView((await service.revokeKey(currentActor(), params.keyId)) as never) }),

    listPlans: async ({ query }) => ({
      status: 200,
      body: {
        items: (await db.find(Plan, query.assetId ? { assetId: query.assetId } : {}, { orderBy: { createdAt: 'asc' } })).map(planView),
      },
    }),
    createPlan: async ({ body }) => ({ status: 201, body: planView(await service.createPlan(currentActor(), body)) }),

    listSubscriptions: async ({ query }) => {
      const where: Record<string, string> = {};
      for (const k of ['status', 'appId', 'assetId'] as const) if (query[k]) where[k] = query[k] as string;
      return { status: 200, body: { items: (await db.find(Subscription, where, { orderBy: { createdAt: 'asc' } })).map(subView) } };
    },
    subscribe: async ({ body }) => ({ status: 201, body: subView(await service.subscribe(currentActor(), body)) }),
    setSubscriptionStatus: async ({ params, body }) => ({
      status: 200,
      body: subView(await service.setSubscriptionStatus(currentActor(), params.subscriptionId, body.status)),
    }),

    listAssets: async () => {
      const toggles = await db.find(AssetToggle, { enabled: false });
      return {
        status: 200,
        body: {
          items: assets().map((a) => ({
            ...a,
            enabled: !toggles.some((t) => t.assetId === a.id && t.appId === GLOBAL),
            disabledForApps: toggles.filter((t) => t.assetId === a.id && t.appId !== GLOBAL).map((t) => t.appId),
          })),
        },
      };
    },
    setAssetState: async ({ params, body }) => {
      const result = await service.setToggle(currentActor(), { assetId: params.assetId, appId: body.appId ?? null, enabled: body.enabled });
      return { status: 200, body: result };
    },

    listOperators: async () => ({
      status: 200,
      body: { items: (await db.find(Operator, {}, { orderBy: { createdAt: 'asc' } })).map(operatorView) },
    }),
    createOperator: async ({ body }) => {
      const created = await service.createOperator(currentActor(), body);
      return { status: 201, body: { ...operatorView(created), token: created.token } };
    },

    listAudit: async ({ query }) => {
      const limit = query.limit ?? 100;
      const rows = await db.find(AuditEntry, query.before ? { id: { $lt: query.before } } : {}, {
        orderBy: { id: 'desc' },
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        status: 200,
        body: {
          items: page.map((e) => ({ ...e, at: new Date(e.at).toISOString(), before: e.before ?? null, after: e.after ?? null })),
          next: rows.length > limit ? page[page.length - 1].id : null,
        },
      };
    },

    getUsage: async ({ query }) => ({ status: 200, body: await readUsage(db, query) }),
  };
};
