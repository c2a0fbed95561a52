/**
 * @module First start: an admin credential (from SWITCHBOARD_ADMIN_TOKEN, or generated and shown once), and in the
 * embedded default a demo app with a key subscribed to every asset, so `npm start` can be called right away.
 */
import { ConflictError } from '@switchboard/sdk';
import { SYSTEM } from './access-service.js';
import type { Access } from './create-access.js';
import { App } from './entities/app.js';
import { Operator } from './entities/operator.js';
import { Plan } from './entities/plan.js';
import { sha256 } from './secrets.js';

export const ADMIN_EMAIL = 'admin@switchboard.local';

export interface BootstrapResult {
  /** Set only when the token was generated now: print it once. */
  generatedAdminToken?: string;
  /** Set only when the demo app was created now: print its key once. */
  demoKey?: string;
}

export interface BootstrapOptions {
  adminToken?: string;
  demo: boolean;
  assetIds: string[];
}

const ignoreConflict = (e: unknown) => {
  if (!(e instanceof ConflictError)) throw e; // another replica did it first
  return undefined;
};

export const bootstrapAccess = async (
  access: Access,
  orm: { em: { fork(): import('@mikro-orm/core').EntityManager } },
  options: BootstrapOptions,
): Promise<BootstrapResult> => {
  const result: BootstrapResult = {};
  const em = orm.em.fork();
  const admin = await em.findOne(Operator, { email: ADMIN_EMAIL });
  if (options.adminToken) {
    if (!admin)
      await access.service
        .createOperator(SYSTEM, { email: ADMIN_EMAIL, name: 'Administrator', role: 'admin', token: options.adminToken })
        .catch(ignoreConflict);
    else if (admin.tokenHash !== sha256(options.adminToken)) {
      await access.service.setOperatorToken(SYSTEM, admin.id, options.adminToken);
    }
  } else if ((await em.count(Operator, {})) === 0) {
    const created = await access.service
      .createOperator(SYSTEM, { email: ADMIN_EMAIL, name: 'Administrator', role: 'admin' })
      .catch(ignoreConflict);
    result.generatedAdminToken = created?.token;
  }

  if (options.demo && (await em.count(App, {})) === 0) {
    const org = await access.service.createOrganization(SYSTEM, { name: 'Demo', kind: 'individual' });
    const app = await access.service.createApp(SYSTEM, { orgId: org.id, name: 'demo' });
    for (const assetId of options.assetIds) {
      const plan =
        (await em.findOne(Plan, { assetId, name: 'demo' })) ??
        (await access.service.createPlan(SYSTEM, { assetId, name: 'demo', perSecond: 50, perMinute: 1000 }));
      await access.service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
    }
    result.demoKey = (await access.service.issueKey(SYSTEM, { appId: app.id, name: 'demo' })).key;
  }
  await access.state.refresh(true);
  return result;
};
