/**
 * The access layer end to end through HTTP: an operator sets up an organization, an app, a key, a plan and a
 * subscription through the admin API; the app then calls an asset through the full pipeline (key → enabled →
 * subscription → scopes → limits → validation → handler → metering) and the operator reads usage and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: ['./docs/examples/notes'] });
  expect(platform.loadErrors).toEqual([]);
});
afterAll(async () => {
  await platform?.close();
});

const admin = async (method: string, path: string, json?: unknown) => {
  const res = await platform.call(method, `/admin/v1${path}`, { as: 'admin', json });
  return { status: res.status, body: await res.json() };
};
const withKey = (key: string) => ({ authorization: `Bearer ${key}` });

describe('the admin API', () => {
  it('wants an operator token: none is 401, an app key is 403', async () => {
    const none = await platform.call('GET', '/admin/v1/organizations', { as: 'anonymous' });
    expect(none.status).toBe(401);
    expect((await none.json()).code).toBe('ADMIN_TOKEN_INVALID');
    const appKey = await platform.call('GET', '/admin/v1/organizations', { headers: withKey(platform.testApp?.key as string) });
    expect(appKey.status).toBe(403);
    expect((await appKey.json()).code).toBe('APP_KEY_NOT_ALLOWED');
  });

  it('lets a viewer read but not change', async () => {
    const viewer = await admin('POST', '/operators', { email: 'v@example.com', name: 'Vi', role: 'viewer' });
    expect(viewer.status).toBe(201);
    const token = viewer.body.token as string;
    expect(token).toMatch(/^sba_/);
    const read = await platform.call('GET', '/admin/v1/organizations', { headers: withKey(token) });
    expect(read.status).toBe(200);
    const write = await platform.call('POST', '/admin/v1/organizations', {
      headers: withKey(token),
      json: { name: 'x', kind: 'business' },
    });
    expect(write.status).toBe(403);
    expect((await write.json()).code).toBe('ROLE_REQUIRED');
  });

  it('creates plans with asset-specific limits, and refuses malformed ones with their pointer', async () => {
    const plan = await admin('POST', '/plans', { assetId: 'notes', name: 'limited', limits: { notesPerApp: 5 } });
    expect(plan.status).toBe(201);
    expect(plan.body.limits).toEqual({ notesPerApp: 5 });
    const bad = await admin('POST', '/plans', { assetId: 'notes', name: 'broken', limits: { notesPerApp: -1, 'bad name': 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/body/limits/notesPerApp']));
  });

  it('is described in /openapi.json under its own tag, and validates its input', async () => {
    const doc = await (await platform.call('GET', '/openapi.json')).json();
    expect(doc.paths['/admin/v1/organizations'].post.tags).toEqual(['admin']);
    // The platform's credentials are declared, so the docs page offers an Authorize button, per kind of API.
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['appKey', 'appBearer', 'operatorToken', 'developerSession']),
    );
    expect(doc.paths['/admin/v1/organizations'].post.security).toEqual([{ operatorToken: [] }]);
    expect(doc.paths['/api/notes/notes'].get.security).toEqual([{ appKey: ['notes:read'] }, { appBearer: ['notes:read'] }]);
    expect(doc.paths['/developer/v1/signup'].post.security).toEqual([]);
    const bad = await admin('POST', '/organizations', { name: '', kind: 'company' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/body/kind', '/body/name']);
  });
});

describe('from sign-up to a metered call', () => {
  let appId: string;
  let key: string;
  let keyId: string;

  it('sets up an organization, an app and a key shown once', async () => {
    const org = await admin('POST', '/organizations', { name: 'Acme', kind: 'business' });
    expect(org.status).toBe(201);
    const app = await admin('POST', '/apps', { orgId: org.body.id, name: 'acme-web' });
    appId = app.body.id;
    const issued = await admin('POST', `/apps/${appId}/keys`, { name: 'prod' });
    expect(issued.status).toBe(201);
    key = issued.body.key;
    keyId = issued.body.id;
    expect(key).toMatch(/^sbk_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/);
    const listed = await admin('GET', `/apps/${appId}/keys`);
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(21));
  });

  it('refuses calls until the app subscribes', async () => {
    const res = await platform.call('GET', '/api/notes/notes', { headers: withKey(key) });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('SUBSCRIPTION_REQUIRED');
  });

  it('admits calls under an approved subscription, within the plan’s rate', async () => {
    const plan = await admin('POST', '/plans', { assetId: 'notes', name: 'gold', perMinute: 3, requiresApproval: true });
    expect(plan.status).toBe(201);
    const sub = await admin('POST', '/subscriptions', { appId, planId: plan.body.id });
    expect(sub.body.status).toBe('pending');
    const pending = await platform.call('GET', '/api/notes/notes', { headers: withKey(key) });
    expect((await pending.json()).code).toBe('SUBSCRIPTION_PENDING');
    expect((await admin('PUT', `/subscriptions/${sub.body.id}/status`, { status: 'active' })).body.status).toBe('active');

    const created = await platform.call('POST', '/api/notes/notes', { headers: withKey(key), json: { title: 'from acme' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('ratelimit-limit')).toBe('3');
    expect(created.headers.get('ratelimit-remaining')).toBe('2');
    const invalid = await platform.call('POST', '/api/notes/notes', { headers: withKey(key), json: { title: '' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('ratelimit-limit')).toBe('3');
    expect(invalid.headers.get('ratelimit-remaining')).toBe('1');
    const listed = await platform.call('GET', '/api/notes/notes', { headers: withKey(key) });
    expect((await listed.json()).items.map((n: { title: string }) => n.title)).toEqual(['from acme']);
    const limited = await platform.call('GET', '/api/notes/notes', { headers: withKey(key) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await limited.json()).code).toBe('RATE_LIMITED');
  });

  it('keeps each app’s data to itself: another app’s key cannot see the note', async () => {
    const mine = await (await platform.call('GET', '/api/notes/notes')).json();
    expect(mine.items.map((n: { title: string }) => n.title)).not.toContain('from acme');
  });

  it('meters every admitted call by operation and status class', async () => {
    await platform.access?.meter.flush();
    const usage = await admin('GET', `/usage?appId=${appId}&granularity=day`);
    const byOp = Object.fromEntries(
      usage.body.items.map((i: { operationId: string; statusClass: string; count: number }) => [
        `${i.operationId} ${i.statusClass}`,
        i.count,
      ]),
    );
    expect(byOp).toEqual({ 'createNote 2xx': 1, 'createNote 4xx': 1, 'listNotes 2xx': 1 });
  });

  it('turns an asset off and on for everyone within the request path', async () => {
    const off = await admin('PUT', '/assets/notes/state', { enabled: false });
    expect(off.body).toEqual({ assetId: 'notes', appId: null, enabled: false });
    const res = await platform.call('GET', '/api/notes/notes');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect((await res.json()).code).toBe('ASSET_DISABLED');
    expect((await admin('GET', '/assets')).body.items).toEqual([
      { id: 'notes', title: 'Notes', basePath: '/api/notes', enabled: false, disabledForApps: [] },
    ]);
    await admin('PUT', '/assets/notes/state', { enabled: true });
    expect((await platform.call('GET', '/api/notes/notes')).status).toBe(200);
  });

  it('refuses a revoked key at once', async () => {
    expect((await admin('POST', `/keys/${keyId}/revoke`)).body.revokedAt).not.toBeNull();
    const res = await platform.call('GET', '/api/notes/notes', { headers: withKey(key) });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('API_KEY_REVOKED');
  });

  it('records who changed what in the audit log, newest first, with a cursor', async () => {
    const page = await admin('GET', '/audit?limit=3');
    expect(page.body.items).toHaveLength(3);
    expect(page.body.items[0].action).toBe('key.revoke');
    expect(page.body.items[0].actorType).toBe('operator');
    const next = await admin('GET', `/audit?limit=3&before=${page.body.next}`);
    expect(next.body.items[0].id).toBeLessThan(page.body.items[2].id + 1);
  });

  it('never writes keys or tokens to the log', () => {
    const text = JSON.stringify(platform.logs);
    expect(text).not.toContain(key);
    expect(text).not.toContain(platform.adminToken);
    expect(text).not.toContain(platform.testApp?.key as string);
  });
});

describe('the background admin routes', () => {
  it('answer operators only: viewers read, app keys and anonymous callers are refused', async () => {
    const jobs = await platform.call('GET', '/admin/v1/background/jobs', { as: 'admin' });
    expect(jobs.status).toBe(200);
    expect(Array.isArray((await jobs.json()).items)).toBe(true);
    expect((await platform.call('GET', '/admin/v1/background/jobs', { as: 'anonymous' })).status).toBe(401);
    const appKey = await platform.call('GET', '/admin/v1/background/queues');
    expect(appKey.status).toBe(403);
    expect((await appKey.json()).code).toBe('APP_KEY_NOT_ALLOWED');
    const viewer = await admin('POST', '/operators', { email: 'v2@example.com', name: 'V2', role: 'viewer' });
    const run = await platform.call('POST', '/admin/v1/background/jobs/nope/run', { headers: withKey(viewer.body.token) });
    expect(run.status).toBe(403);
    expect((await run.json()).code).toBe('ROLE_REQUIRED');
  });
});
