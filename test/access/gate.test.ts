/**
 * The access checks of an asset call, driven through the same service the admin API will use, on SQLite and the
 * real MariaDB: key states, toggles, subscription states, scopes, rate limits and quotas, each with its code.
 */
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessService, SYSTEM } from '../../core/src/access/access-service.js';
import { AccessState } from '../../core/src/access/access-state.js';
import { AuditEntry } from '../../core/src/access/entities/audit-entry.js';
import { checkCall } from '../../core/src/access/gate.js';
import { RateBudget } from '../../core/src/access/rate-budget.js';
import { accessEntities, accessMigrations } from '../../core/src/access/schema.js';
import { createOrm, migrate } from '../../core/src/db/create-orm.js';
import { HttpProblem } from '../../core/src/http/map-error.js';
import { availableBackends } from '../support/backends.js';

const backends = await availableBackends();
const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as never;

/** The problem a check throws, or null when it passes. */
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e) => {
      if (!(e instanceof HttpProblem)) throw e;
      return { status: e.problem.status, code: e.problem.code, headers: e.headers };
    },
  );

describe.each(backends)('the access gate on $name', (backend) => {
  let orm: MikroORM;
  let drop: () => Promise<void>;
  let service: AccessService;
  let state: AccessState;
  let deps: { state: AccessState; budget: RateBudget };
  let appId: string;
  let key: string;

  beforeAll(async () => {
    const db = await backend.create();
    drop = db.drop;
    orm = await createOrm({
      databaseUrl: db.url,
      entities: accessEntities,
      migrations: accessMigrations.map((m) => ({ ...m, name: `core/${m.name}` })),
    });
    await migrate(orm);
    service = new AccessService(orm, () => ['notes', 'other']);
    state = new AccessState({ orm, log: silent, pollMs: 60_000 });
    await state.start();
    deps = { state, budget: new RateBudget({ orm }) };
    const org = await service.createOrganization(SYSTEM, { name: 'Acme', kind: 'business' });
    appId = (await service.createApp(SYSTEM, { orgId: org.id, name: 'acme-web' })).id;
    key = (await service.issueKey(SYSTEM, { appId, name: 'ci', scopes: ['notes:read'] })).key;
    const plan = await service.createPlan(SYSTEM, { assetId: 'notes', name: 'small', perSecond: 3, limits: { notesPerApp: 2 } });
    await service.subscribe(SYSTEM, { appId, planId: plan.id });
    await state.refresh(true);
  });
  afterAll(async () => {
    await state?.stop();
    await orm?.close(true);
    await drop?.();
  });

  // async: the gate answers synchronously when everything is cached, and throws its refusals then.
  const call = async (
    headers: { authorization?: string; apiKey?: string },
    scopes: string[] = ['notes:read'],
    assetId = 'notes',
    now?: number,
  ) => checkCall(deps, { assetId, scopes }, headers, now);

  it('admits a subscribed app’s key, by either header, and names the caller', async () => {
    const t = Date.UTC(2026, 10, 25, 11, 0, 0);
    const { caller, rateHeaders } = await call({ authorization: `Bearer ${key}` }, undefined, undefined, t);
    expect(caller.appId).toBe(appId);
    expect(caller.orgId).toMatch(/^org_/);
    expect(caller.limits).toEqual({ notesPerApp: 2 });
    expect(rateHeaders['ratelimit-limit']).toBe('3');
    expect((await call({ apiKey: key }, undefined, undefined, t + 5000)).caller.appId).toBe(appId);
  });

  it.each([
    [{}, 'API_KEY_MISSING'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'API_KEY_MISSING'],
    [{ apiKey: 'not-a-key' }, 'API_KEY_INVALID'],
    [{ apiKey: 'sbk_AAAAAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' }, 'API_KEY_INVALID'],
  ])('refuses %j with 401 %s', async (headers, code) => {
    expect(await failure(call(headers))).toMatchObject({ status: 401, code });
  });

  it('refuses the right key id with a wrong secret, like an unknown key', async () => {
    const forged = `${key.slice(0, 21)}${'x'.repeat(32)}`;
    expect(await failure(call({ apiKey: forged }))).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });
  });

  it('refuses a revoked key and an expired key', async () => {
    const spare = await service.issueKey(SYSTEM, { appId, name: 'spare', expiresAt: new Date(Date.now() + 60_000) });
    await state.refresh(true);
    expect(await failure(call({ apiKey: spare.key }, [], 'notes', Date.now() + 120_000))).toMatchObject({
      status: 401,
      code: 'API_KEY_EXPIRED',
    });
    await service.revokeKey(SYSTEM, spare.id);
    await state.refresh();
    expect(await failure(call({ apiKey: spare.key }))).toMatchObject({ status: 401, code: 'API_KEY_REVOKED' });
  });

  it('answers 503 ASSET_DISABLED while the asset is off, globally or for the app', async () => {
    const t = Date.UTC(2026, 10, 25, 11, 1, 0);
    await service.setToggle(SYSTEM, { assetId: 'notes', enabled: false });
    await state.refresh();
    expect(await failure(call({ apiKey: key }, undefined, undefined, t))).toMatchObject({
      status: 503,
      code: 'ASSET_DISABLED',
      headers: { 'retry-after': '30' },
    });
    await service.setToggle(SYSTEM, { assetId: 'notes', enabled: true });
    await service.setToggle(SYSTEM, { assetId: 'notes', appId, enabled: false });
    await state.refresh();
    expect(await failure(call({ apiKey: key }, undefined, undefined, t + 1000))).toMatchObject({ code: 'ASSET_DISABLED' });
    await service.setToggle(SYSTEM, { assetId: 'notes', appId, enabled: true });
    await state.refresh();
    expect(await failure(call({ apiKey: key }, undefined, undefined, t + 2000))).toBeNull();
  });

  it('needs an active subscription to the asset', async () => {
    expect(await failure(call({ apiKey: key }, [], 'other'))).toMatchObject({ status: 403, code: 'SUBSCRIPTION_REQUIRED' });
    const plan = await service.createPlan(SYSTEM, { assetId: 'other', name: 'gated', requiresApproval: true });
    const sub = await service.subscribe(SYSTEM, { appId, planId: plan.id });
    expect(sub.status).toBe('pending');
    await state.refresh();
    expect(await failure(call({ apiKey: key }, [], 'other'))).toMatchObject({ status: 403, code: 'SUBSCRIPTION_PENDING' });
    await service.setSubscriptionStatus(SYSTEM, sub.id, 'active');
    await state.refresh();
    expect(await failure(call({ apiKey: key }, [], 'other'))).toBeNull();
    await service.setSubscriptionStatus(SYSTEM, sub.id, 'suspended');
    await state.refresh();
    expect(await failure(call({ apiKey: key }, [], 'other'))).toMatchObject({ status: 403, code: 'SUBSCRIPTION_SUSPENDED' });
    await expect(service.setSubscriptionStatus(SYSTEM, sub.id, 'pending')).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
  });

  it('checks the operation’s scopes against the key’s', async () => {
    expect(await failure(call({ apiKey: key }, ['notes:write'], 'notes', Date.UTC(2026, 10, 25, 11, 2, 0)))).toMatchObject({
      status: 403,
      code: 'INSUFFICIENT_SCOPE',
    });
  });

  it('answers 429 with Retry-After and RateLimit headers past the plan’s rate', async () => {
    const t = Date.UTC(2026, 10, 25, 11, 3, 0, 200);
    const results = await Promise.all(Array.from({ length: 5 }, () => failure(call({ apiKey: key }, undefined, undefined, t))));
    expect(results.filter((r) => r === null)).toHaveLength(3);
    const limited = results.find((r) => r !== null);
    expect(limited).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      headers: { 'retry-after': '1', 'ratelimit-limit': '3', 'ratelimit-remaining': '0' },
    });
    // Remaining counts down over the window, not over one replica's slice.
    const first = await call({ apiKey: key }, undefined, undefined, t + 1000);
    expect(first.rateHeaders['ratelimit-remaining']).toBe('2');
  });

  it('describes the rate window with the fewest calls left', async () => {
    const org = await service.createOrganization(SYSTEM, { name: 'Two windows', kind: 'business' });
    const app = await service.createApp(SYSTEM, { orgId: org.id, name: 'paced' });
    const k = await service.issueKey(SYSTEM, { appId: app.id, name: 'k' });
    const plan = await service.createPlan(SYSTEM, { assetId: 'other', name: 'paced', perSecond: 100, perMinute: 5 });
    await service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
    await state.refresh(true);
    const t = Date.UTC(2026, 10, 25, 11, 4, 0, 100);
    const first = await checkCall(deps, { assetId: 'other', scopes: [] }, { apiKey: k.key }, t);
    expect(first.rateHeaders).toEqual({ 'ratelimit-limit': '5', 'ratelimit-remaining': '4', 'ratelimit-reset': '60' });
  });

  it('answers 429 QUOTA_EXCEEDED once the monthly quota is used', async () => {
    const org = await service.createOrganization(SYSTEM, { name: 'Solo', kind: 'individual' });
    const app = await service.createApp(SYSTEM, { orgId: org.id, name: 'hobby' });
    const k = await service.issueKey(SYSTEM, { appId: app.id, name: 'k' });
    const plan = await service.createPlan(SYSTEM, { assetId: 'other', name: 'tiny', monthlyQuota: 2 });
    await service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
    await state.refresh();
    const t = Date.UTC(2026, 10, 25, 11, 4, 0);
    expect(await failure(call({ apiKey: k.key }, [], 'other', t))).toBeNull();
    expect(await failure(call({ apiKey: k.key }, [], 'other', t + 60_000))).toBeNull();
    expect(await failure(call({ apiKey: k.key }, [], 'other', t + 120_000))).toMatchObject({ status: 429, code: 'QUOTA_EXCEEDED' });
  });

  it('audits every change with before and after, and never the key secret', async () => {
    const entries = await orm.em.fork().find(AuditEntry, {}, { orderBy: { id: 'asc' } });
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'organization.create',
        'app.create',
        'key.issue',
        'key.revoke',
        'plan.create',
        'subscription.create',
        'subscription.active',
        'subscription.suspended',
        'asset.disable',
        'asset.enable',
      ]),
    );
    const revoke = entries.find((e) => e.action === 'key.revoke');
    expect(revoke?.before).toMatchObject({ revokedAt: null });
    expect(revoke?.after).toMatchObject({ revokedAt: expect.anything() });
    const text = JSON.stringify(entries);
    expect(text).not.toContain(key.slice(21));
    expect(text).not.toContain('secretHash');
  });
});
