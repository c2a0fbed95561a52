/** @jsxImportSource hono/jsx */
/**
 * @module The developer portal at /portal: sign up, sign in and out, organizations and apps, keys (shown once),
 * subscriptions, usage and a try-a-call form. Every change goes through AccessService as the developer, the same
 * calls the developer API makes, so the audit log cannot tell the two apart; reads are scoped to the developer's
 * organizations exactly like the developer API's (someone else's app is a 404, like one that does not exist).
 */
import type { Database } from '@switchboard/sdk';
import { NotFoundError } from '@switchboard/sdk';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { Actor } from '../../access/access-service.js';
import { authThrottle } from '../../access/auth-throttle.js';
import { ApiKey } from '../../access/entities/api-key.js';
import { App } from '../../access/entities/app.js';
import { Developer } from '../../access/entities/developer.js';
import { Membership } from '../../access/entities/membership.js';
import { Organization } from '../../access/entities/organization.js';
import { Plan } from '../../access/entities/plan.js';
import { Subscription } from '../../access/entities/subscription.js';
import { readUsage } from '../../access/read-usage.js';
import { hashPassword, verifyPassword } from '../../access/secrets.js';
import { apiReference } from '../api-reference.js';
import { clientDocument } from '../client/client-document.js';
import { generateClient } from '../client/generate-client.js';
import { csrf } from '../csrf.js';
import { email, readForm, text } from '../form-input.js';
import { pageHeaders } from '../page-headers.js';
import { planLimits } from '../plan-limits.js';
import { clearCookie, readCookie, writeCookie } from '../session-cookie.js';
import { staticFiles } from '../static-files.js';
import { type Granularity, usageSeries, windowStart } from '../usage-series.js';
import { AccountBar } from '../views/account-bar.js';
import { csrfRejected, webErrors } from '../views/error-page.js';
import type { WebEnv } from '../web-env.js';
import type { WebOptions } from '../web-options.js';
import { endSession, sessionSubject, startSession } from '../web-session.js';
import { ApiPage, ApisPage, type AssetSummary } from './api-pages.js';
import { AppPage } from './app-page.js';
import { SignInPage, SignUpPage } from './auth-pages.js';
import { HomePage } from './home-page.js';
import { PORTAL, PORTAL_COOKIE } from './portal-ui.js';

/** Verified against when the email is unknown, so a wrong email takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

export const portalRoutes = ({ orm, access, log, assets, documentJson, authAttemptsPerMinute }: WebOptions): Hono<WebEnv> => {
  const { service } = access;
  const reference = apiReference(documentJson);
  const app = new Hono<WebEnv>();
  app.onError(webErrors(PORTAL, log));
  app.use('*', pageHeaders());
  // Before the CSRF check: a stylesheet request needs no pre-session cookie.
  app.get('/assets/:file', staticFiles());
  app.use('*', csrf(PORTAL_COOKIE, csrfRejected(PORTAL)));

  const signedIn: MiddlewareHandler<WebEnv> = async function portalSession(c, next) {
    const id = await sessionSubject(orm, 'developer', readCookie(c, PORTAL_COOKIE));
    const dev = id ? await orm.em.fork().findOne(Developer, { id }) : null;
    if (!dev) return c.redirect('/portal/signin', 303);
    c.set('developer', { id: dev.id, email: dev.email, name: dev.name });
    await next();
  };
  const throttled = (operation: string) => authThrottle(access.budget, `portal.${operation}`, authAttemptsPerMinute);

  const db = () => orm.em.fork();
  const actor = (developerId: string): Actor => ({ type: 'developer', id: developerId });
  const orgsOf = async (developerId: string) => {
    const ids = (await db().find(Membership, { developerId })).map((m) => m.orgId);
    return db().find(Organization, { id: { $in: ids } }, { orderBy: { createdAt: 'asc' } });
  };
  const myApp = async (developerId: string, appId: string) => {
    const found = await db().findOne(App, { id: appId });
    const orgs = await orgsOf(developerId);
    const org = orgs.find((o) => o.id === found?.orgId);
    if (!found || !org) throw new NotFoundError('app', appId);
    return { app: found, org };
  };
  const account = (c: Context<WebEnv>) => <AccountBar base="/portal" who={c.get('developer').email} csrf={c.get('csrfToken')} />;
  const assetSummaries = async (): Promise<AssetSummary[]> => {
    const plans = await db().find(Plan, {}, { orderBy: { createdAt: 'asc' } });
    return assets()
      .filter((a) => reference.published(a.id))
      .map((a) => ({
        ...a,
        operations: reference.operations(a.id).length,
        plans: plans
          .filter((p) => p.assetId === a.id)
          .map((p) => ({ name: p.name, limits: planLimits(p), requiresApproval: Boolean(p.requiresApproval) })),
      }));
  };

  app.get('/signin', (c) => c.html(<SignInPage csrf={c.get('csrfToken')} />));
  app.post('/signin', throttled('signIn'), async (c) => {
    const form = await readForm(c);
    const address = typeof form.email === 'string' ? form.email.trim().toLowerCase() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const dev = address ? await db().findOne(Developer, { email: address }) : null;
    dummyHash ??= hashPassword('not a password of anyone');
    const ok = await verifyPassword(password, dev?.passwordHash ?? (await dummyHash));
    if (!dev || !ok) return c.html(<SignInPage csrf={c.get('csrfToken')} email={address} error="Wrong email or password." />, 401);
    const { token, maxAgeSeconds } = await startSession(orm, 'developer', dev.id);
    writeCookie(c, PORTAL_COOKIE, token, maxAgeSeconds);
    return c.redirect('/portal', 303);
  });

  app.get('/signup', (c) => c.html(<SignUpPage csrf={c.get('csrfToken')} />));
  app.post('/signup', throttled('signUp'), async (c) => {
    const form = await readForm(c);
    const input = {
      name: text(form, 'name', { label: 'Name' }),
      email: email(form),
      password: text(form, 'password', { min: 10, max: 200, label: 'Password' }),
    };
    const { developer } = await service.signUp(input);
    const { token, maxAgeSeconds } = await startSession(orm, 'developer', developer.id);
    writeCookie(c, PORTAL_COOKIE, token, maxAgeSeconds);
    return c.redirect('/portal', 303);
  });

  app.post('/signout', async (c) => {
    await endSession(orm, readCookie(c, PORTAL_COOKIE));
    clearCookie(c, PORTAL_COOKIE);
    return c.redirect('/portal/signin', 303);
  });

  app.get('/', signedIn, async (c) => {
    const dev = c.get('developer');
    const orgs = await orgsOf(dev.id);
    const apps = await db().find(App, { orgId: { $in: orgs.map((o) => o.id) } }, { orderBy: { createdAt: 'asc' } });
    return c.html(<HomePage csrf={c.get('csrfToken')} account={account(c)} orgs={orgs} apps={apps} />);
  });

  app.post('/orgs', signedIn, async (c) => {
    const form = await readForm(c);
    const dev = c.get('developer');
    await service.createOrganization(actor(dev.id), {
      name: text(form, 'name', { label: 'Organization name' }),
      kind: form.kind === 'individual' ? 'individual' : 'business',
      ownerId: dev.id,
    });
    return c.redirect('/portal', 303);
  });

  app.post('/apps', signedIn, async (c) => {
    const form = await readForm(c);
    const dev = c.get('developer');
    const orgId = typeof form.orgId === 'string' ? form.orgId : '';
    if (!(await orgsOf(dev.id)).some((o) => o.id === orgId)) throw new NotFoundError('organization', orgId);
    const created = await service.createApp(actor(dev.id), { orgId, name: text(form, 'name', { label: 'App name' }) });
    return c.redirect(`/portal/apps/${created.id}`, 303);
  });

  /** The app page; `extra` carries what only a POST's answer shows (the new key). */
  const appPage = async (c: Context<WebEnv>, appId: string, extra: { newKey?: { name: string; key: string } } = {}) => {
    const dev = c.get('developer');
    const { app: found, org } = await myApp(dev.id, appId);
    const granularity: Granularity = c.req.query('granularity') === 'day' ? 'day' : 'hour';
    const em = db();
    const [keys, subs, plans] = await Promise.all([
      em.find(ApiKey, { appId }, { orderBy: { createdAt: 'asc' } }),
      em.find(Subscription, { appId }, { orderBy: { createdAt: 'asc' } }),
      em.find(Plan, {}, { orderBy: { createdAt: 'asc' } }),
    ]);
    const usage = await readUsage(db() as unknown as Database, {
      appId,
      granularity,
      from: windowStart(granularity).toISOString(),
    });
    const titles = new Map(assets().map((a) => [a.id, a.title]));
    const taken = new Set(subs.filter((s) => s.status !== 'cancelled').map((s) => s.assetId));
    const callable = subs.filter((s) => s.status === 'active' && reference.published(s.assetId)).map((s) => s.assetId);
    return c.html(
      <AppPage
        csrf={c.get('csrfToken')}
        account={account(c)}
        app={{ id: found.id, name: found.name, orgName: org.name }}
        keys={keys.map((k) => ({
          id: k.id,
          name: k.name,
          createdAt: k.createdAt,
          revokedAt: k.revokedAt ?? null,
          lastUsedAt: k.lastUsedAt ?? null,
        }))}
        subscriptions={subs.map((s) => ({
          id: s.id,
          assetId: s.assetId,
          status: s.status,
          planName: plans.find((p) => p.id === s.planId)?.name ?? s.planId,
        }))}
        plans={plans
          .filter((p) => titles.has(p.assetId) && !taken.has(p.assetId))
          .map((p) => ({
            id: p.id,
            assetId: p.assetId,
            assetTitle: titles.get(p.assetId) ?? p.assetId,
            name: p.name,
            requiresApproval: Boolean(p.requiresApproval),
            limits: planLimits(p),
          }))}
        usage={{ granularity, buckets: usageSeries(usage.items, granularity) }}
        operations={callable.flatMap((assetId) => reference.operations(assetId).map((o) => ({ ...o, assetId })))}
        newKey={extra.newKey}
      />,
      extra.newKey ? 201 : 200,
    );
  };

  app.get('/apps/:appId', signedIn, (c) => appPage(c, c.req.param('appId')));

  app.post('/apps/:appId/keys', signedIn, async (c) => {
    const appId = c.req.param('appId');
    const dev = c.get('developer');
    await myApp(dev.id, appId);
    const form = await readForm(c);
    const issued = await service.issueKey(actor(dev.id), { appId, name: text(form, 'name', { label: 'Key name' }) });
    // Answered directly, not redirected: the key must not travel in a URL or come back on a reload.
    return appPage(c, appId, { newKey: { name: issued.name, key: issued.key } });
  });

  app.post('/apps/:appId/keys/:keyId/revoke', signedIn, async (c) => {
    const { appId, keyId } = c.req.param();
    const dev = c.get('developer');
    await myApp(dev.id, appId);
    if (!(await db().findOne(ApiKey, { id: keyId, appId }))) throw new NotFoundError('key', keyId);
    await service.revokeKey(actor(dev.id), keyId);
    return c.redirect(`/portal/apps/${appId}`, 303);
  });

  app.post('/apps/:appId/subscriptions', signedIn, async (c) => {
    const appId = c.req.param('appId');
    const dev = c.get('developer');
    await myApp(dev.id, appId);
    const form = await readForm(c);
    await service.subscribe(actor(dev.id), { appId, planId: text(form, 'planId', { label: 'Plan' }) });
    return c.redirect(`/portal/apps/${appId}`, 303);
  });

  app.get('/apps/:appId/client.ts', signedIn, async (c) => {
    const appId = c.req.param('appId');
    const { app: found } = await myApp(c.get('developer').id, appId);
    const subscribed = (await db().find(Subscription, { appId, status: 'active' })).map((s) => s.assetId).sort();
    const text = await generateClient(clientDocument(JSON.parse(documentJson()), subscribed), found.name, subscribed);
    const file = `switchboard-${found.name.replace(/[^\w.-]+/g, '-')}.ts`;
    return c.body(text, 200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `attachment; filename="${file}"` });
  });

  app.get('/apis', signedIn, async (c) => c.html(<ApisPage account={account(c)} assets={await assetSummaries()} />));
  app.get('/apis/:assetId', signedIn, async (c) => {
    const asset = (await assetSummaries()).find((a) => a.id === c.req.param('assetId'));
    if (!asset) throw new NotFoundError('asset', c.req.param('assetId'));
    return c.html(<ApiPage account={account(c)} asset={asset} operations={reference.operations(asset.id)} />);
  });
  return app;
};
