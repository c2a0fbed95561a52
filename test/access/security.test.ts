/**
 * Security matrix over every operation of every loaded asset: no key, a malformed key, a revoked key, an expired
 * key and a key of an app without a subscription are refused with the right code before any handler runs; a
 * foreign app's key never reaches another app's data (404, no existence leak); secrets never reach the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';

let platform: TestPlatform;
const keys: Record<string, string> = {};

beforeAll(async () => {
  // Every built-in asset that is loaded by default is in the matrix.
  platform = await startTestPlatform({
    plugins: ['./docs/examples/notes', './test/fixtures/plugins/hello', './plugins/push', './plugins/dpaas'],
  });
  const service = platform.access?.service;
  if (!service || !platform.testApp) throw new Error('the harness should provision access');
  const org = await service.createOrganization(SYSTEM, { name: 'Other', kind: 'business' });
  const lonely = await service.createApp(SYSTEM, { orgId: org.id, name: 'no-subscription' });
  keys.unsubscribed = (await service.issueKey(SYSTEM, { appId: lonely.id, name: 'k' })).key;
  const revoked = await service.issueKey(SYSTEM, { appId: platform.testApp.appId, name: 'old' });
  await service.revokeKey(SYSTEM, revoked.id);
  keys.revoked = revoked.key;
  const expiring = await service.issueKey(SYSTEM, { appId: platform.testApp.appId, name: 'brief', expiresAt: new Date(Date.now() + 300) });
  keys.expired = expiring.key;
  // A second app of another organization, subscribed to everything like the harness app.
  const rival = await service.createApp(SYSTEM, { orgId: org.id, name: 'rival' });
  for (const p of platform.plugins) {
    const plan = await service.createPlan(SYSTEM, { assetId: p.prepared.meta.id, name: 'rival' });
    await service.subscribe(SYSTEM, { appId: rival.id, planId: plan.id });
  }
  keys.rival = (await service.issueKey(SYSTEM, { appId: rival.id, name: 'k' })).key;
  await new Promise((r) => setTimeout(r, 350));
});
afterAll(async () => {
  await platform?.close();
});

/** Every operation of every loaded asset, with its path parameters filled in. */
const operations = () =>
  (platform?.plugins ?? []).flatMap((p) =>
    p.prepared.operations.map((op) => ({
      name: `${p.prepared.meta.id}.${op.operationId}`,
      method: op.method.toUpperCase(),
      path: `${p.prepared.meta.basePath}${op.path.replace(/\{[^}]+\}/g, '1')}`,
      public: op.settings.public === true,
    })),
  );

describe('every operation of every asset', () => {
  const cases: [string, Record<string, string>, number, string][] = [
    ['no key', {}, 401, 'API_KEY_MISSING'],
    ['a malformed key', { 'x-api-key': 'sbk_nope' }, 401, 'API_KEY_INVALID'],
    ['a revoked key', {}, 401, 'API_KEY_REVOKED'],
    ['an expired key', {}, 401, 'API_KEY_EXPIRED'],
    ['a key of an app without a subscription', {}, 403, 'SUBSCRIPTION_REQUIRED'],
  ];

  it.each(cases)('refuses %s with %i %s, before any handler runs', async (what, headers, status, code) => {
    const key = what.startsWith('a revoked')
      ? keys.revoked
      : what.startsWith('an expired')
        ? keys.expired
        : what.includes('subscription')
          ? keys.unsubscribed
          : undefined;
    const ops = operations().filter((op) => !op.public);
    expect(ops.length).toBeGreaterThanOrEqual(14);
    const logsBefore = platform.logs.length;
    for (const op of ops) {
      const res = await platform.call(op.method, op.path, {
        headers: key ? { authorization: `Bearer ${key}` } : headers,
        as: 'anonymous',
        json: op.method === 'GET' || op.method === 'DELETE' ? undefined : {},
      });
      expect([op.name, res.status]).toEqual([op.name, status]);
      expect((await res.json()).code).toBe(code);
    }
    // No handler ran: the plugins log on their successes (note created, login attempt, greeted).
    expect(platform.logs.slice(logsBefore).filter((l) => l.asset)).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it('a foreign app’s key never sees, changes or deletes another app’s note, and cannot tell it exists', async () => {
    const created = await (await platform.call('POST', '/api/notes/notes', { json: { title: 'private' } })).json();
    const rival = { authorization: `Bearer ${keys.rival}` };
    const get = await platform.call('GET', `/api/notes/notes/${created.id}`, { headers: rival });
    const missing = await platform.call('GET', '/api/notes/notes/999999', { headers: rival });
    expect(get.status).toBe(404);
    expect(missing.status).toBe(404);
    const [a, b] = [await get.json(), await missing.json()];
    expect(a.code).toBe(b.code);
    expect(a.title).toBe(b.title);
    expect((await platform.call('PATCH', `/api/notes/notes/${created.id}`, { headers: rival, json: { title: 'mine now' } })).status).toBe(
      404,
    );
    expect((await platform.call('DELETE', `/api/notes/notes/${created.id}`, { headers: rival })).status).toBe(404);
    const listed = await (await platform.call('GET', '/api/notes/notes', { headers: rival })).json();
    expect(listed.items).toEqual([]);
    const still = await (await platform.call('GET', `/api/notes/notes/${created.id}`)).json();
    expect(still.title).toBe('private');
  });

  it('a foreign app’s key cannot see or touch another app’s push devices and sends', async () => {
    const device = await platform.call('POST', '/api/push/devices', { json: { platform: 'android', token: 'isolation-token-1' } });
    expect(device.status).toBe(201);
    const { id: deviceId } = await device.json();
    const send = await platform.call('POST', '/api/push/sends', {
      json: { target: { deviceIds: [deviceId] }, notification: { title: 'mine' } },
    });
    expect(send.status).toBe(202);
    const { id: sendId } = await send.json();
    const rival = { authorization: `Bearer ${keys.rival}` };
    for (const [method, path] of [
      ['GET', `/api/push/devices/${deviceId}`],
      ['DELETE', `/api/push/devices/${deviceId}`],
      ['GET', `/api/push/sends/${sendId}`],
      ['POST', `/api/push/sends/${sendId}/cancel`],
    ]) {
      const res = await platform.call(method, path, { headers: rival });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const listed = await (await platform.call('GET', '/api/push/devices', { headers: rival })).json();
    expect(listed.items).toEqual([]);
    expect((await platform.call('GET', `/api/push/devices/${deviceId}`)).status).toBe(200);
  });

  it('app keys never open the admin API', async () => {
    for (const key of [keys.rival, platform.testApp?.key as string]) {
      const res = await platform.call('GET', '/admin/v1/apps', { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(403);
    }
  });

  it('keeps every key and token out of the log', () => {
    const text = JSON.stringify(platform.logs);
    for (const key of [...Object.values(keys), platform.testApp?.key as string, platform.adminToken]) expect(text).not.toContain(key);
  });
});
