/**
 * A developer's self-service story through the developer API: sign up, sign in, create an app, issue a key,
 * subscribe to a plan, call the asset with the key, read the app's usage, sign out. Other developers' apps stay
 * invisible (404), sessions expire and can be revoked, passwords are stored with scrypt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { Developer } from '../../core/src/access/entities/developer.js';
import { Session } from '../../core/src/access/entities/session.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';

let platform: TestPlatform;
let planId: string;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: ['./docs/examples/notes'] });
  planId = (await platform.access?.service.createPlan(SYSTEM, { assetId: 'notes', name: 'starter', perMinute: 100 }))?.id as string;
});
afterAll(async () => {
  await platform?.close();
});

const dev = async (method: string, path: string, init: { json?: unknown; token?: string } = {}) => {
  const res = await platform.call(method, `/developer/v1${path}`, {
    as: 'anonymous',
    json: init.json,
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
};

describe('developer self-service', () => {
  let token: string;
  let appId: string;
  let key: string;

  it('signs up with a personal organization, and stores the password with scrypt', async () => {
    const signed = await dev('POST', '/signup', { json: { email: 'Ada@Example.com', password: 'correct horse battery', name: 'Ada' } });
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({ email: 'ada@example.com', organizations: [{ kind: 'individual', name: 'Ada' }] });
    const row = await platform.orm.em.fork().findOneOrFail(Developer, { email: 'ada@example.com' });
    expect(row.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.passwordHash).not.toContain('correct horse');
    const again = await dev('POST', '/signup', { json: { email: 'ada@example.com', password: 'another password', name: 'Ada 2' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('EMAIL_TAKEN');
  });

  it('refuses a wrong password and an unknown email alike, and signs in with the right one', async () => {
    const wrong = await dev('POST', '/sessions', { json: { email: 'ada@example.com', password: 'nope nope nope' } });
    const unknown = await dev('POST', '/sessions', { json: { email: 'nobody@example.com', password: 'nope nope nope' } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'BAD_CREDENTIALS']);
    expect([unknown.status, unknown.body.code]).toEqual([401, 'BAD_CREDENTIALS']);
    const session = await dev('POST', '/sessions', { json: { email: 'ada@example.com', password: 'correct horse battery' } });
    expect(session.status).toBe(201);
    token = session.body.token;
    expect(token).toMatch(/^sbs_/);
    expect(new Date(session.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('creates an app, issues a key, subscribes, and calls the asset with it', async () => {
    const me = await dev('GET', '/me', { token });
    const orgId = me.body.organizations[0].id;
    const app = await dev('POST', '/apps', { token, json: { orgId, name: 'ada-app' } });
    expect(app.status).toBe(201);
    appId = app.body.id;
    const issued = await dev('POST', `/apps/${appId}/keys`, { token, json: { name: 'laptop' } });
    key = issued.body.key;
    expect(key).toMatch(/^sbk_/);
    const plans = await dev('GET', '/plans?assetId=notes', { token });
    expect(plans.body.items.map((p: { id: string }) => p.id)).toContain(planId);
    const sub = await dev('POST', `/apps/${appId}/subscriptions`, { token, json: { planId } });
    expect(sub.body.status).toBe('active');
    const call = await platform.call('POST', '/api/notes/notes', {
      headers: { authorization: `Bearer ${key}` },
      json: { title: 'hello from ada' },
    });
    expect(call.status).toBe(201);
    await platform.access?.meter.flush();
    const usage = await dev('GET', `/apps/${appId}/usage?granularity=day`, { token });
    expect(usage.body.items).toEqual([
      expect.objectContaining({ assetId: 'notes', operationId: 'createNote', statusClass: '2xx', count: 1 }),
    ]);
  });

  it('keeps other developers out of Ada’s apps (404, as if they did not exist)', async () => {
    await dev('POST', '/signup', { json: { email: 'eve@example.com', password: 'eve password!!', name: 'Eve' } });
    const eve = (await dev('POST', '/sessions', { json: { email: 'eve@example.com', password: 'eve password!!' } })).body.token;
    expect((await dev('GET', '/apps', { token: eve })).body.items).toEqual([]);
    for (const [method, path, json] of [
      ['POST', `/apps/${appId}/keys`, { name: 'x' }],
      ['GET', `/apps/${appId}/usage`, undefined],
      ['POST', `/apps/${appId}/subscriptions`, { planId }],
    ] as const) {
      const res = await dev(method, path, { token: eve, json });
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    const ownOrg = (await dev('GET', '/me', { token: eve })).body.organizations[0].id;
    const adaOrg = (await dev('GET', '/me', { token })).body.organizations[0].id;
    expect(ownOrg).not.toBe(adaOrg);
    expect((await dev('POST', '/apps', { token: eve, json: { orgId: adaOrg, name: 'sneaky' } })).status).toBe(404);
  });

  it('revokes a key it owns; the key stops working', async () => {
    const keyId = key.slice(4, 20);
    expect((await dev('POST', `/apps/${appId}/keys/${keyId}/revoke`, { token })).status).toBe(204);
    const call = await platform.call('GET', '/api/notes/notes', { headers: { authorization: `Bearer ${key}` } });
    expect((await call.json()).code).toBe('API_KEY_REVOKED');
  });

  it('needs a session, refuses app keys and expired or revoked sessions', async () => {
    expect((await dev('GET', '/me')).body.code).toBe('SESSION_REQUIRED');
    expect((await dev('GET', '/me', { token: platform.testApp?.key })).body.code).toBe('SESSION_REQUIRED');
    const second = (await dev('POST', '/sessions', { json: { email: 'ada@example.com', password: 'correct horse battery' } })).body.token;
    await platform.orm.em.fork().nativeUpdate(Session, { subjectType: 'developer' }, { expiresAt: new Date(Date.now() - 1000) });
    expect((await dev('GET', '/me', { token: second })).body.code).toBe('SESSION_INVALID');
    const third = (await dev('POST', '/sessions', { json: { email: 'ada@example.com', password: 'correct horse battery' } })).body.token;
    expect((await dev('DELETE', '/sessions/current', { token: third })).status).toBe(204);
    expect((await dev('GET', '/me', { token: third })).body.code).toBe('SESSION_INVALID');
  });

  it('is described in /openapi.json and never logs passwords or tokens', async () => {
    const doc = await (await platform.call('GET', '/openapi.json')).json();
    expect(doc.paths['/developer/v1/signup'].post.tags).toEqual(['developer']);
    const text = JSON.stringify(platform.logs);
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain(token);
  });
});

describe('sign-up and sign-in throttling', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the attempts allowed per minute from one address', async () => {
    const strict = await startTestPlatform({ plugins: ['./docs/examples/notes'], overrides: { authAttemptsPerMinute: 3 } });
    try {
      const attempt = () =>
        strict.call('POST', '/developer/v1/sessions', { as: 'anonymous', json: { email: 'x@example.com', password: 'wrong password' } });
      const statuses = [];
      const minute = () => Math.floor(Date.now() / 60_000);
      const started = minute();
      for (let i = 0; i < 7; i++) statuses.push((await attempt()).status);
      // Budgets are per calendar minute: if one ended mid-test, three more attempts were allowed in the next.
      if (minute() === started) expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429]);
      else expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(6);
      expect(statuses).toContain(429);
      const refused = await attempt();
      if (refused.status === 429) {
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await refused.json()).code).toBe('RATE_LIMITED');
      } else expect(minute()).not.toBe(started); // only a new minute lets it through
      // Sign-up has its own budget.
      const signup = await strict.call('POST', '/developer/v1/signup', {
        as: 'anonymous',
        json: { email: 'new@example.com', name: 'New', password: 'long enough password' },
      });
      expect(signup.status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});
