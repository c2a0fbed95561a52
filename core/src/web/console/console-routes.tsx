/** @jsxImportSource hono/jsx */
/**
 * @module The operator console at /console. Sign-in exchanges an operator token for a session; every change then
 * goes through AccessService or BackgroundAdmin as that operator — the calls the admin API makes — so it is audited
 * the same way, and the operator's role is checked as the admin API checks it (viewers look, operators change).
 */
import type { Database } from '@switchboard/sdk';
import { InputError, NotFoundError } from '@switchboard/sdk';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { Actor } from '../../access/access-service.js';
import { authThrottle } from '../../access/auth-throttle.js';
import { App } from '../../access/entities/app.js';
import { AssetToggle, GLOBAL } from '../../access/entities/asset-toggle.js';
import { AuditEntry } from '../../access/entities/audit-entry.js';
import { Operator } from '../../access/entities/operator.js';
import { Organization } from '../../access/entities/organization.js';
import { Plan } from '../../access/entities/plan.js';
import { SUBSCRIPTION_STATUSES, Subscription, type SubscriptionStatus } from '../../access/entities/subscription.js';
import { readUsage } from '../../access/read-usage.js';
import { sha256 } from '../../access/secrets.js';
import { HttpProblem } from '../../http/map-error.js';
import { csrf } from '../csrf.js';
import { optionalText, readForm, text } from '../form-input.js';
import { pageHeaders } from '../page-headers.js';
import { clearCookie, readCookie, writeCookie } from '../session-cookie.js';
import { staticFiles } from '../static-files.js';
import { type Granularity, usageSeries, windowStart } from '../usage-series.js';
import { AccountBar } from '../views/account-bar.js';
import { csrfRejected, webErrors } from '../views/error-page.js';
import type { WebEnv, WebOperator } from '../web-env.js';
import type { WebOptions } from '../web-options.js';
import { endSession, sessionSubject, startSession } from '../web-session.js';
import { AssetsPage } from './assets-page.js';
import { AuditPage } from './audit-page.js';
import { CONSOLE, CONSOLE_COOKIE, canChange } from './console-ui.js';
import { JobRunsPage, JobsPage } from './jobs-page.js';
import { OrgsPage } from './orgs-page.js';
import { PartnersPage, type PartnersPageProps } from './partners-page.js';
import { QueuesPage } from './queues-page.js';
import { ConsoleSignInPage } from './signin-page.js';
import { UsagePage } from './usage-page.js';

/** Messages after a redirect, by a fixed code: a free-text message in the URL could be forged into the page. */
const DONE: Record<string, string> = {
  toggled: 'The asset’s state changed; every replica follows within seconds.',
  'job-run': 'The run was requested; a replica starts it within its poll interval.',
  replayed: 'The message was put back on its queue.',
  dropped: 'The message was dropped.',
  'partner-saved': 'The partner document was stored and is served; every replica follows within seconds.',
  'partner-removed': 'The partner asset was removed; calls in flight finish, new ones get 404.',
  'partner-mode': 'The partner asset’s mode changed; every replica follows within seconds.',
};

/** At most this many apps get a chart of their own on the usage page. */
const APP_CHARTS = 12;

export const consoleRoutes = ({ orm, access, background, log, assets, partners, authAttemptsPerMinute }: WebOptions): Hono<WebEnv> => {
  const { service } = access;
  const app = new Hono<WebEnv>();
  app.onError(webErrors(CONSOLE, log));
  app.use('*', pageHeaders());
  app.get('/assets/:file', staticFiles());
  app.use('*', csrf(CONSOLE_COOKIE, csrfRejected(CONSOLE)));

  const signedIn: MiddlewareHandler<WebEnv> = async function consoleSession(c, next) {
    const id = await sessionSubject(orm, 'operator', readCookie(c, CONSOLE_COOKIE));
    // Looked up on every request: disabling an operator or changing their role takes effect at once.
    const op = id ? await orm.em.fork().findOne(Operator, { id }) : null;
    if (!op || op.disabledAt) return c.redirect('/console/signin', 303);
    c.set('operator', { id: op.id, email: op.email, name: op.name, role: op.role as WebOperator['role'] });
    await next();
  };
  /** For POSTs that change something: the admin API's `operator` scope. */
  const mayChange: MiddlewareHandler<WebEnv> = async function operatorRole(c, next) {
    const role = c.get('operator').role;
    if (!canChange(role))
      throw new HttpProblem({
        status: 403,
        code: 'ROLE_REQUIRED',
        title: 'Forbidden',
        detail: `This needs the operator role; you are ${role}.`,
      });
    await next();
  };
  const actor = (c: Context<WebEnv>): Actor => ({ type: 'operator', id: c.get('operator').id });
  const account = (c: Context<WebEnv>) => <AccountBar base="/console" who={c.get('operator').email} csrf={c.get('csrfToken')} />;
  const notice = (c: Context<WebEnv>) => DONE[c.req.query('done') ?? ''];
  const db = () => orm.em.fork();

  app.get('/signin', (c) => c.html(<ConsoleSignInPage csrf={c.get('csrfToken')} />));
  app.post('/signin', authThrottle(access.budget, 'console.signIn', authAttemptsPerMinute), async (c) => {
    const form = await readForm(c);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const op = token.startsWith('sba_') ? await db().findOne(Operator, { tokenHash: sha256(token) }) : null;
    if (!op || op.disabledAt) return c.html(<ConsoleSignInPage csrf={c.get('csrfToken')} error="That operator token is not valid." />, 401);
    const session = await startSession(orm, 'operator', op.id);
    writeCookie(c, CONSOLE_COOKIE, session.token, session.maxAgeSeconds);
    return c.redirect('/console', 303);
  });
  app.post('/signout', async (c) => {
    await endSession(orm, readCookie(c, CONSOLE_COOKIE));
    clearCookie(c, CONSOLE_COOKIE);
    return c.redirect('/console/signin', 303);
  });

  app.get('/', signedIn, async (c) => {
    const em = db();
    const [toggles, apps] = await Promise.all([
      em.find(AssetToggle, { enabled: false }),
      em.find(App, {}, { orderBy: { createdAt: 'asc' }, limit: 500 }),
    ]);
    const appName = new Map(apps.map((a) => [a.id, a.name]));
    return c.html(
      <AssetsPage
        csrf={c.get('csrfToken')}
        account={account(c)}
        canChange={canChange(c.get('operator').role)}
        notice={notice(c)}
        apps={apps}
        assets={assets().map((a) => ({
          ...a,
          enabled: !toggles.some((t) => t.assetId === a.id && t.appId === GLOBAL),
          disabledForApps: toggles
            .filter((t) => t.assetId === a.id && t.appId !== GLOBAL)
            .map((t) => ({ id: t.appId, name: appName.get(t.appId) ?? t.appId })),
        }))}
      />,
    );
  });
  app.post('/assets/:assetId/state', signedIn, mayChange, async (c) => {
    const form = await readForm(c);
    await service.setToggle(actor(c), {
      assetId: c.req.param('assetId'),
      appId: optionalText(form, 'appId'),
      enabled: form.enabled === 'true',
    });
    return c.redirect('/console?done=toggled', 303);
  });

  if (partners) {
    const partnersPage = (c: Context<WebEnv>, extra: Partial<PartnersPageProps> = {}) => (
      <PartnersPage
        csrf={c.get('csrfToken')}
        account={account(c)}
        canChange={canChange(c.get('operator').role)}
        partners={partners.list()}
        notice={notice(c)}
        {...extra}
      />
    );
    app.get('/partners', signedIn, (c) => c.html(partnersPage(c)));
    app.post('/partners', signedIn, mayChange, async (c) => {
      const form = await readForm(c);
      // A chosen file wins over the text area (an empty file input still sends an empty part).
      const file = form.file instanceof File && form.file.size > 0 ? form.file : null;
      const text = file ? await file.text() : typeof form.text === 'string' ? form.text : '';
      if (text.trim() === '') throw new InputError('Choose a document file or paste the document');
      const isJson = file ? /\.json$/i.test(file.name) : text.trimStart().startsWith('{');
      try {
        await partners.put(actor(c), { text, format: isJson ? 'json' : 'yaml' });
      } catch (e) {
        // A refused document is shown on the page, with the pasted text kept for fixing.
        if (!(e instanceof HttpProblem) || e.problem.status >= 500) throw e;
        const { code, detail, pointer } = e.problem;
        const error = { code, detail: detail ?? code, pointer: typeof pointer === 'string' ? pointer : undefined };
        return c.html(partnersPage(c, { notice: undefined, error, text: file ? undefined : text }), e.problem.status as 400);
      }
      return c.redirect('/console/partners?done=partner-saved', 303);
    });
    app.post('/partners/:id/remove', signedIn, mayChange, async (c) => {
      await partners.remove(actor(c), c.req.param('id'));
      return c.redirect('/console/partners?done=partner-removed', 303);
    });
    app.post('/partners/:id/mode', signedIn, mayChange, async (c) => {
      const form = await readForm(c);
      const mode = text(form, 'mode', { max: 8 });
      if (mode !== 'live' && mode !== 'mock') throw new InputError('mode must be live or mock');
      await partners.setMode(actor(c), c.req.param('id'), mode);
      return c.redirect('/console/partners?done=partner-mode', 303);
    });
  }

  app.get('/orgs', signedIn, async (c) => {
    const em = db();
    const wanted = c.req.query('status');
    const status = (SUBSCRIPTION_STATUSES as readonly string[]).includes(wanted ?? '') ? (wanted as string) : null;
    const [orgs, apps, subs, plans] = await Promise.all([
      em.find(Organization, {}, { orderBy: { createdAt: 'asc' }, limit: 500 }),
      em.find(App, {}, { orderBy: { createdAt: 'asc' } }),
      em.find(Subscription, status ? { status } : {}, { orderBy: { createdAt: 'desc' }, limit: 500 }),
      em.find(Plan, {}),
    ]);
    const appName = new Map(apps.map((a) => [a.id, a.name]));
    return c.html(
      <OrgsPage
        csrf={c.get('csrfToken')}
        account={account(c)}
        canChange={canChange(c.get('operator').role)}
        status={status}
        orgs={orgs.map((o) => ({ ...o, apps: apps.filter((a) => a.orgId === o.id) }))}
        subscriptions={subs.map((s) => ({
          ...s,
          appName: appName.get(s.appId) ?? s.appId,
          planName: plans.find((p) => p.id === s.planId)?.name ?? s.planId,
        }))}
      />,
    );
  });
  app.post('/subscriptions/:id/status', signedIn, mayChange, async (c) => {
    const form = await readForm(c);
    const status = text(form, 'status', { max: 16 }) as SubscriptionStatus;
    if (!SUBSCRIPTION_STATUSES.includes(status)) throw new NotFoundError('subscription state', status);
    await service.setSubscriptionStatus(actor(c), c.req.param('id'), status);
    return c.redirect('/console/orgs', 303);
  });

  app.get('/usage', signedIn, async (c) => {
    const granularity: Granularity = c.req.query('granularity') === 'day' ? 'day' : 'hour';
    const appId = c.req.query('appId') || null;
    const { items } = await readUsage(db() as unknown as Database, {
      granularity,
      from: windowStart(granularity).toISOString(),
      ...(appId ? { appId } : {}),
    });
    const totals = new Map<string, number>();
    for (const i of items) totals.set(i.appId, (totals.get(i.appId) ?? 0) + i.count);
    const busiest = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, APP_CHARTS);
    const apps = await db().find(App, { id: { $in: busiest.map(([id]) => id) } });
    return c.html(
      <UsagePage
        account={account(c)}
        granularity={granularity}
        appId={appId}
        byAsset={assets().map((a) => ({
          id: a.id,
          title: a.title,
          buckets: usageSeries(
            items.filter((i) => i.assetId === a.id),
            granularity,
          ),
        }))}
        byApp={busiest.map(([id]) => ({
          id,
          name: apps.find((a) => a.id === id)?.name ?? id,
          buckets: usageSeries(
            items.filter((i) => i.appId === id),
            granularity,
          ),
        }))}
      />,
    );
  });

  app.get('/jobs', signedIn, async (c) =>
    c.html(
      <JobsPage
        csrf={c.get('csrfToken')}
        account={account(c)}
        canChange={canChange(c.get('operator').role)}
        jobs={await background.jobs()}
        notice={notice(c)}
      />,
    ),
  );
  app.get('/jobs/:key', signedIn, async (c) => {
    const key = c.req.param('key');
    return c.html(<JobRunsPage account={account(c)} job={key} runs={await background.runs(key, 50)} />);
  });
  app.post('/jobs/:key/run', signedIn, mayChange, async (c) => {
    await background.runNow(actor(c), c.req.param('key'));
    return c.redirect('/console/jobs?done=job-run', 303);
  });

  app.get('/queues', signedIn, async (c) => {
    const { adapter, items } = await background.queues();
    const queues = await Promise.all(
      items.map(async (q) => ({ ...q, deadLetters: q.dead > 0 ? await background.deadLetters(q.queue, 50) : [] })),
    );
    return c.html(
      <QueuesPage
        csrf={c.get('csrfToken')}
        account={account(c)}
        canChange={canChange(c.get('operator').role)}
        adapter={adapter}
        queues={queues}
        notice={notice(c)}
      />,
    );
  });
  app.post('/queues/:queue/dead-letters/:id/replay', signedIn, mayChange, async (c) => {
    await background.replay(actor(c), c.req.param('queue'), c.req.param('id'));
    return c.redirect('/console/queues?done=replayed', 303);
  });
  app.post('/queues/:queue/dead-letters/:id/drop', signedIn, mayChange, async (c) => {
    await background.drop(actor(c), c.req.param('queue'), c.req.param('id'));
    return c.redirect('/console/queues?done=dropped', 303);
  });

  app.get('/audit', signedIn, async (c) => {
    const before = Number(c.req.query('before'));
    const limit = 50;
    const rows = await db().find(AuditEntry, Number.isInteger(before) && before > 0 ? { id: { $lt: before } } : {}, {
      orderBy: { id: 'desc' },
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return c.html(<AuditPage account={account(c)} entries={page} next={rows.length > limit ? page[page.length - 1].id : null} />);
  });

  return app;
};
