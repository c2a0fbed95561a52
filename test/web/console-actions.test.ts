/**
 * The console's buttons do what the admin API does, through the same services, and the audit log names the operator:
 * approve and suspend a subscription (the app's calls follow), switch an asset off for one app only, run a job now,
 * replay and drop a dead letter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { ADMIN_EMAIL } from '../../core/src/access/bootstrap.js';
import { AuditEntry } from '../../core/src/access/entities/audit-entry.js';
import { Operator } from '../../core/src/access/entities/operator.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { POISON_QUEUE } from '../background/fixtures/bgtest/src/plugin.js';
import { events, queueOf, startBgPlatform, waitFor } from '../background/support.js';
import { sqliteBackend } from '../support/backends.js';
import { FormClient } from './form-client.js';

const signIn = async (platform: TestPlatform) => {
  const client = new FormClient(platform.app);
  const { csrf } = await client.page('/console/signin');
  expect((await client.post('/console/signin', { _csrf: csrf, token: platform.adminToken })).status).toBe(303);
  return client;
};
const lastAudit = async (platform: TestPlatform) =>
  (await platform.orm.em.fork().find(AuditEntry, {}, { orderBy: { id: 'desc' }, limit: 1 }))[0];
const adminId = async (platform: TestPlatform) => (await platform.orm.em.fork().findOneOrFail(Operator, { email: ADMIN_EMAIL })).id;

describe('subscriptions and per-app switches', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: ['./test/fixtures/plugins/hello'] });
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('approves a pending subscription and suspends it, and the app’s calls follow each step', async () => {
    const service = platform.access?.service;
    if (!service) throw new Error('access is on in the harness');
    const plan = await service.createPlan(SYSTEM, { assetId: 'hello', name: 'partner', requiresApproval: true });
    const org = await service.createOrganization(SYSTEM, { name: 'Acme', kind: 'business' });
    const app = await service.createApp(SYSTEM, { orgId: org.id, name: 'acme-app' });
    const { key } = await service.issueKey(SYSTEM, { appId: app.id, name: 'k' });
    const sub = await service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
    const call = async () => (await platform.call('GET', '/hello-api/greet/acme', { headers: { authorization: `Bearer ${key}` } })).status;
    expect(sub.status).toBe('pending');
    expect(await call()).toBe(403);

    const client = await signIn(platform);
    const pending = await client.page('/console/orgs?status=pending');
    expect(pending.html).toContain(`data-subscription="${sub.id}"`);
    expect(pending.html).toContain(`aria-label="Approve acme-app on hello"`);
    expect((await client.post(`/console/subscriptions/${sub.id}/status`, { _csrf: pending.csrf, status: 'active' })).status).toBe(303);
    expect(await call()).toBe(200);
    expect(await lastAudit(platform)).toMatchObject({
      action: 'subscription.active',
      actorType: 'operator',
      actorId: await adminId(platform),
    });

    expect((await client.post(`/console/subscriptions/${sub.id}/status`, { _csrf: pending.csrf, status: 'suspended' })).status).toBe(303);
    expect(await call()).toBe(403);
    // A move the state machine does not allow is refused with the service's reason, and changes nothing.
    const bad = await client.post(`/console/subscriptions/${sub.id}/status`, { _csrf: pending.csrf, status: 'pending' });
    expect(bad.status).toBe(409);
    expect(await bad.text()).toContain('cannot become pending');
  });

  it('switches an asset off for one app only', async () => {
    const client = await signIn(platform);
    const page = await client.page('/console');
    const appId = platform.testApp?.appId as string;
    const res = await client.post('/console/assets/hello/state', { _csrf: page.csrf, enabled: 'false', appId });
    expect(res.headers.get('location')).toBe('/console?done=toggled');
    expect((await platform.call('GET', '/hello-api/greet/harness')).status).toBe(503);
    const after = await client.page('/console');
    expect(after.html).toContain('Turn hello on for harness');
    expect(await lastAudit(platform)).toMatchObject({ action: 'asset.disable', targetId: `hello:${appId}` });
    await client.post('/console/assets/hello/state', { _csrf: after.csrf, enabled: 'true', appId });
    expect((await platform.call('GET', '/hello-api/greet/harness')).status).toBe(200);
  });
});

describe('jobs and dead letters', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startBgPlatform(db.url);
    expect(platform.loadErrors).toEqual([]);
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('runs a job now, and shows its run', async () => {
    const client = await signIn(platform);
    const jobs = await client.page('/console/jobs');
    expect(jobs.html).toContain('data-job="bgtest.long"');
    const res = await client.post('/console/jobs/bgtest.long/run', { _csrf: jobs.csrf });
    expect(res.headers.get('location')).toBe('/console/jobs?done=job-run');
    expect(await lastAudit(platform)).toMatchObject({ action: 'job.run', targetId: 'bgtest.long', actorType: 'operator' });
    await waitFor(async () => (await events(platform.orm, 'long-end')).length === 1, 5000);
    const runs = await (await client.get('/console/jobs/bgtest.long')).text();
    expect(runs).toContain('manual');
    expect(runs).toContain('succeeded');
    expect((await client.post('/console/jobs/no.such.job/run', { _csrf: jobs.csrf })).status).toBe(404);
  });

  it('lists a dead letter with its reason, replays it and drops it', async () => {
    const physical = `bgtest.${POISON_QUEUE}`;
    const { id } = await queueOf(platform).publish(POISON_QUEUE, { note: 'shown-in-console' }, { idempotencyKey: 'web-1' });
    const isDead = async () => (await platform.background.queue.deadLetters(physical)).some((d) => d.id === id);
    await waitFor(isDead);
    const client = await signIn(platform);
    const page = await client.page('/console/queues');
    expect(page.html).toContain(`data-dead-letter="${id}"`);
    expect(page.html).toContain('poison: cannot process (attempt 3)');
    expect(page.html).toContain('shown-in-console');

    const base = `/console/queues/${encodeURIComponent(physical)}/dead-letters/${encodeURIComponent(id)}`;
    expect((await client.post(`${base}/replay`, { _csrf: page.csrf })).headers.get('location')).toBe('/console/queues?done=replayed');
    expect(await lastAudit(platform)).toMatchObject({ action: 'dead-letter.replay', targetId: id });
    await waitFor(isDead); // it fails three more times
    expect((await client.post(`${base}/drop`, { _csrf: page.csrf })).headers.get('location')).toBe('/console/queues?done=dropped');
    expect(await lastAudit(platform)).toMatchObject({ action: 'dead-letter.drop', targetId: id });
    expect(await isDead()).toBe(false);
    expect((await client.post(`${base}/drop`, { _csrf: page.csrf })).status).toBe(404);
  });
});
