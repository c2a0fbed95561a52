/**
 * The console and the portal over plain HTTP: every POST needs the page's CSRF token (403 otherwise, and nothing
 * changes), session cookies are HttpOnly + SameSite=Lax (+ Secure behind TLS), a key is on exactly one page — the
 * answer that issued it — and no page ever shows a key, a session token or an operator token again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { App } from '../../core/src/access/entities/app.js';
import { AssetToggle } from '../../core/src/access/entities/asset-toggle.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { csrfOf, FormClient, parseSetCookie } from './form-client.js';

let platform: TestPlatform;
let planId: string;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: ['./test/fixtures/plugins/hello'] });
  expect(platform.loadErrors).toEqual([]);
  planId = (await platform.access?.service.createPlan(SYSTEM, { assetId: 'hello', name: 'starter', perMinute: 100 }))?.id as string;
});
afterAll(async () => {
  await platform?.close();
});

let n = 0;
/** A new developer with a session, through the portal's own forms. */
const signedUpDeveloper = async (origin?: string) => {
  const client = new FormClient(platform.app, origin);
  const { csrf } = await client.page('/portal/signup');
  n += 1;
  const res = await client.post('/portal/signup', {
    _csrf: csrf,
    name: `Dev ${n}`,
    email: `dev${n}@example.com`,
    password: 'long enough password',
  });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/portal');
  return { client, email: `dev${n}@example.com` };
};

const consoleSession = async (token = platform.adminToken, origin?: string) => {
  const client = new FormClient(platform.app, origin);
  const { csrf } = await client.page('/console/signin');
  const res = await client.post('/console/signin', { _csrf: csrf, token });
  return { client, res };
};

const appCount = async () => platform.orm.em.fork().count(App, {});

describe('CSRF', () => {
  it('refuses a sign-up without the token, with a made-up one, and with one from another browser', async () => {
    const client = new FormClient(platform.app);
    const { csrf } = await client.page('/portal/signup');
    const fields = { name: 'Mallory', email: 'mallory@example.com', password: 'long enough password' };
    expect((await client.post('/portal/signup', fields)).status).toBe(403);
    expect((await client.post('/portal/signup', { ...fields, _csrf: 'f'.repeat(64) })).status).toBe(403);
    const other = new FormClient(platform.app);
    expect((await other.post('/portal/signup', { ...fields, _csrf: csrf })).status).toBe(403);
    // The same form with the page's own token goes through: the refusals above were about the token alone.
    expect((await client.post('/portal/signup', { ...fields, _csrf: csrf })).status).toBe(303);
  });

  it('refuses a signed-in developer’s POST without the token, and creates nothing', async () => {
    const { client } = await signedUpDeveloper();
    const { html } = await client.page('/portal');
    const orgId = /name="orgId"[^>]*>\s*<option value="(org_[^"]+)"/.exec(html)?.[1] as string;
    expect(orgId).toMatch(/^org_/);
    const before = await appCount();
    const res = await client.post('/portal/apps', { orgId, name: 'forged' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Reload the page');
    expect(await appCount()).toBe(before);
  });

  it('gives each session its own token: the token of the page before sign-in no longer works after it', async () => {
    const client = new FormClient(platform.app);
    const before = await client.page('/console/signin');
    await client.post('/console/signin', { _csrf: before.csrf, token: platform.adminToken });
    const after = await client.page('/console');
    expect(after.csrf).not.toBe(before.csrf);
    const stale = await client.post('/console/assets/hello/state', { _csrf: before.csrf, enabled: 'false' });
    expect(stale.status).toBe(403);
    expect(await platform.orm.em.fork().count(AssetToggle, { assetId: 'hello', enabled: false })).toBe(0);
    expect((await platform.call('GET', '/hello-api/greet/xy')).status).toBe(200);
  });
});

describe('session cookies', () => {
  const flags = (line: string) => parseSetCookie(line).attributes.map((a) => a.toLowerCase());

  it('are HttpOnly, SameSite=Lax, scoped to the UI, and not Secure over plain HTTP', async () => {
    const { client } = await signedUpDeveloper();
    const portal = client.setCookies.find((l) => l.startsWith('sb_portal=')) as string;
    expect(flags(portal)).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/portal']));
    expect(flags(portal)).not.toContain('secure');
    const { client: op, res } = await consoleSession();
    expect(res.status).toBe(303);
    const console = op.setCookies.find((l) => l.startsWith('sb_console=')) as string;
    expect(flags(console)).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/console']));
    expect(flags(console)).not.toContain('secure');
  });

  it('are Secure when the request came over TLS, directly or through a proxy saying so', async () => {
    const { client } = await signedUpDeveloper('https://portal.example');
    expect(flags(client.setCookies.find((l) => l.startsWith('sb_portal=')) as string)).toContain('secure');
    const viaProxy = new FormClient(platform.app);
    const res = await viaProxy.get('/console/signin', { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(flags(viaProxy.setCookies.find((l) => l.startsWith('sb_csrf=')) as string)).toContain('secure');
  });

  it('stop working after sign-out, also when replayed from a copy', async () => {
    const { client } = await signedUpDeveloper();
    const copied = client.cookie('/portal', 'sb_portal') as string;
    const { csrf } = await client.page('/portal');
    expect((await client.post('/portal/signout', { _csrf: csrf })).status).toBe(303);
    const replay = await platform.app.request('/portal', { headers: { cookie: `sb_portal=${copied}` } });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/portal/signin');
  });

  it('of the console are not developer credentials, and an operator token is not a portal session', async () => {
    const { client } = await consoleSession();
    const consoleToken = client.cookie('/console', 'sb_console') as string;
    const asDeveloper = await platform.call('GET', '/developer/v1/me', { headers: { authorization: `Bearer ${consoleToken}` } });
    expect(asDeveloper.status).toBe(401);
    const portal = await platform.app.request('/portal', { headers: { cookie: `sb_portal=${platform.adminToken}` } });
    expect(portal.status).toBe(303);
  });
});

describe('secrets in pages', () => {
  it('shows a key once, on the answer that issued it, and never again on any page', async () => {
    const { client } = await signedUpDeveloper();
    const home = await client.page('/portal');
    const orgId = /name="orgId"[^>]*>\s*<option value="(org_[^"]+)"/.exec(home.html)?.[1] as string;
    const created = await client.post('/portal/apps', { _csrf: home.csrf, orgId, name: 'secret-keeper' });
    const appPath = created.headers.get('location') as string;
    expect(appPath).toMatch(/^\/portal\/apps\/app_/);
    const appPage = await client.page(appPath);
    expect((await client.post(`${appPath}/subscriptions`, { _csrf: appPage.csrf, planId })).status).toBe(303);
    const issued = await client.post(`${appPath}/keys`, { _csrf: appPage.csrf, name: 'ci' });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const html = await issued.text();
    const key = /id="new-key"[^>]*value="(sbk_[^"]+)"/.exec(html)?.[1] ?? /value="(sbk_[^"]+)"[^>]*id="new-key"/.exec(html)?.[1];
    expect(key).toMatch(/^sbk_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/);
    expect(html.split(key as string).length - 1).toBe(1);
    // The key works …
    expect((await platform.call('GET', '/hello-api/greet/key', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    // … and is nowhere afterwards: not on the app page, not on any console page (the audit log included).
    const secret = (key as string).slice(-32);
    const sessionToken = client.cookie('/portal', 'sb_portal') as string;
    const pages = [
      await client.get(appPath),
      await client.get('/portal'),
      await client.get('/portal/apis'),
      await client.get('/portal/apis/hello'),
    ];
    const { client: op } = await consoleSession();
    const consoleToken = op.cookie('/console', 'sb_console') as string;
    for (const path of ['/console', '/console/orgs', '/console/usage', '/console/jobs', '/console/queues', '/console/audit'])
      pages.push(await op.get(path));
    for (const res of pages) {
      expect(res.status).toBe(200);
      const text = await res.text();
      for (const s of [secret, sessionToken, consoleToken, platform.adminToken, platform.testApp?.key as string])
        expect(text).not.toContain(s);
    }
  });

  it('does not echo a wrong operator token back, and names no reason beyond "not valid"', async () => {
    const { res } = await consoleSession('sba_not-a-real-token-but-a-secret-guess');
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('not valid');
    expect(html).not.toContain('not-a-real-token');
  });
});

describe('roles and ownership', () => {
  it('lets a viewer look but not switch an asset off', async () => {
    const viewer = await platform.access?.service.createOperator(SYSTEM, { email: 'viewer@example.com', name: 'Viewer', role: 'viewer' });
    const { client } = await consoleSession(viewer?.token);
    const page = await client.page('/console');
    expect(page.html).not.toContain('Disable');
    const res = await client.post('/console/assets/hello/state', { _csrf: page.csrf, enabled: 'false' });
    expect(res.status).toBe(403);
    expect((await platform.call('GET', '/hello-api/greet/xy')).status).toBe(200);
  });

  it('answers another developer’s app with 404, like an app that does not exist', async () => {
    const { client: owner } = await signedUpDeveloper();
    const home = await owner.page('/portal');
    const orgId = /name="orgId"[^>]*>\s*<option value="(org_[^"]+)"/.exec(home.html)?.[1] as string;
    const appPath = (await owner.post('/portal/apps', { _csrf: home.csrf, orgId, name: 'mine' })).headers.get('location') as string;
    const { client: stranger } = await signedUpDeveloper();
    expect((await stranger.get(appPath)).status).toBe(404);
    const strangerPage = await stranger.page('/portal');
    expect((await stranger.post(`${appPath}/keys`, { _csrf: strangerPage.csrf, name: 'stolen' })).status).toBe(404);
  });

  it('sends a signed-out visitor to the sign-in page', async () => {
    for (const path of ['/portal', '/console', '/console/audit']) {
      const res = await platform.app.request(path);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/\/signin$/);
    }
  });
});

describe('pages', () => {
  it('carry a content security policy without inline script, and serve their own stylesheet and script', async () => {
    const res = await platform.app.request('/portal/signin');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    csrfOf(html);
    const css = await platform.app.request('/console/assets/web.css');
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    const js = await platform.app.request('/portal/assets/web.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await platform.app.request('/portal/assets/..%2Fcsrf.ts')).status).toBe(404);
  });
});
