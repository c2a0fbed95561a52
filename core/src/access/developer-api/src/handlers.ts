/**
 * @module The developer API's handlers. A developer reaches only the organizations they belong to and those
 * organizations' apps: anything else answers 404, exactly like something that does not exist.
 */
import type { Database, Handlers } from '@switchboard/sdk';
import { AuthenticationError, NotFoundError } from '@switchboard/sdk';
import type { Access } from '../../create-access.js';
import { ApiKey } from '../../entities/api-key.js';
import { App } from '../../entities/app.js';
import { Developer } from '../../entities/developer.js';
import { Membership } from '../../entities/membership.js';
import { Organization } from '../../entities/organization.js';
import { Plan } from '../../entities/plan.js';
import { Session } from '../../entities/session.js';
import { planView } from '../../plan-view.js';
import { readUsage } from '../../read-usage.js';
import { generateToken, newId, verifyPassword } from '../../secrets.js';
import { currentDeveloper } from '../../session-middleware.js';
import type { operations } from './generated/openapi.js';

interface Deps {
  access: Access;
  db: Database;
}

/** How long a session lasts. */
export const SESSION_TTL_MS = 12 * 3600_000;

/** A fixed scrypt hash to verify against when the email is unknown, so sign-in takes as long either way. */
let dummyHash: Promise<string> | undefined;

export const developerHandlers = ({ access, db }: Deps): Handlers<operations> => {
  const { service } = access;
  const actor = () => ({ type: 'developer' as const, id: currentDeveloper().developerId });
  const orgIds = async () => (await db.find(Membership, { developerId: currentDeveloper().developerId })).map((m) => m.orgId);
  const myApp = async (appId: string) => {
    const app = await db.findOne(App, { id: appId });
    if (!app || !(await orgIds()).includes(app.orgId)) throw new NotFoundError('app', appId);
    return app;
  };
  const me = async (developerId: string) => {
    const dev = await db.findOneOrFail(Developer, { id: developerId });
    const ids = (await db.find(Membership, { developerId })).map((m) => m.orgId);
    const orgs = await db.find(Organization, { id: { $in: ids } }, { orderBy: { createdAt: 'asc' } });
    return {
      id: dev.id,
      email: dev.email,
      name: dev.name,
      organizations: orgs.map((o) => ({ id: o.id, name: o.name, kind: o.kind as 'business' | 'individual' })),
    };
  };

  return {
    signUp: async ({ body }) => {
      const { developer } = await service.signUp(body);
      return { status: 201, body: await me(developer.id) };
    },

    signIn: async ({ body }) => {
      const dev = await db.findOne(Developer, { email: body.email.trim().toLowerCase() });
      dummyHash ??= (await import('../../secrets.js')).hashPassword('not a password of anyone');
      const ok = await verifyPassword(body.password, dev?.passwordHash ?? (await dummyHash));
      if (!dev || !ok) throw new AuthenticationError('wrong email or password', { code: 'BAD_CREDENTIALS' });
      const { token, hash } = generateToken('sbs');
      const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
      db.create(Session, {
        id: newId('ses'),
        tokenHash: hash,
        subjectType: 'developer',
        subjectId: dev.id,
        createdAt: new Date(),
        expiresAt,
        revokedAt: null,
      });
      await db.flush();
      return { status: 201, body: { token, expiresAt: expiresAt.toISOString() } };
    },

    signOut: async () => {
      await db.nativeUpdate(Session, { id: currentDeveloper().sessionId }, { revokedAt: new Date() });
      return { status: 204 };
    },

    getMe: async () => ({ status: 200, body: await me(currentDeveloper().developerId) }),

    createOrganization: async ({ body }) => {
      const org = await service.createOrganization(actor(), {
        name: body.name,
        kind: body.kind ?? 'business',
        ownerId: currentDeveloper().developerId,
      });
      return { status: 201, body: { id: org.id, name: org.name, kind: org.kind as 'business' | 'individual' } };
    },

    listApps: async () => ({
      status: 200,
      body: {
        items: (await db.find(App, { orgId: { $in: await orgIds() } }, { orderBy: { createdAt: 'asc' } })).map((a) => ({
          id: a.id,
          orgId: a.orgId,
          name: a.name,
        })),
      },
    }),

    createApp: async ({ body }) => {
      if (!(await orgIds()).includes(body.orgId)) throw new NotFoundError('organization', body.orgId);
      const app = await service.createApp(actor(), body);
      return { status: 201, body: { id: app.id, orgId: app.orgId, name: app.name } };
    },

    issueKey: async ({ params, body }) => {
      await myApp(params.appId);
      const issued = await service.issueKey(actor(), {
        appId: params.appId,
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      });
      return { status: 201, body: { id: issued.id, key: issued.key, name: issued.name, scopes: issued.scopes } };
    },

    revokeKey: async ({ params }) => {
      await myApp(params.appId);
      if (!(await db.findOne(ApiKey, { id: params.keyId, appId: params.appId }))) throw new NotFoundError('key', params.keyId);
      await service.revokeKey(actor(), params.keyId);
      return { status: 204 };
    },

    listPlans: async ({ query }) => ({
      status: 200,
      body: {
        items: (await db.find(Plan, query.assetId ? { assetId: query.assetId } : {}, { orderBy: { createdAt: 'asc' } })).map(planView),
      },
    }),

    subscribe: async ({ params, body }) => {
      await myApp(params.appId);
      const sub = await service.subscribe(actor(), { appId: params.appId, planId: body.planId });
      return { status: 201, body: { id: sub.id, assetId: sub.assetId, planId: sub.planId, status: sub.status as 'active' } };
    },

    getUsage: async ({ params, query }) => {
      await myApp(params.appId);
      return { status: 200, body: await readUsage(db, { appId: params.appId, granularity: query.granularity }) };
    },
  };
};
