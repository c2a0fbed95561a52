/**
 * `/metrics` in Prometheus text: request counts by asset, operation and status, latency histograms, the access
 * gate's refusals (rate limit among them), queue and job gauges, a plugin's own metrics through the SDK, and the
 * optional bearer token. `/readyz` names each check, and an asset's `ready` hook decides its line.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { serviceAccountFor } from '../support/service-account.js';

/** The value of one series, by its full name and labels (in any order), or undefined. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
};

describe('/metrics', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: ['./docs/examples/notes', './test/background/fixtures/bgtest'] });
  });
  afterAll(async () => {
    await platform?.close();
  });

  const scrape = async () => {
    const res = await platform.call('GET', '/metrics', { as: 'anonymous' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('counts calls by asset, operation and status, with a latency histogram', async () => {
    const before = await scrape();
    const ok0 = sample(before, 'switchboard_requests_total', { asset: 'notes', operation: 'listNotes', status: '200' }) ?? 0;
    for (let i = 0; i < 3; i++) expect((await platform.call('GET', '/api/notes/notes')).status).toBe(200);
    expect((await platform.call('GET', '/api/notes/notes/not-a-note')).status).toBeGreaterThanOrEqual(400);
    const text = await scrape();
    expect(sample(text, 'switchboard_requests_total', { asset: 'notes', operation: 'listNotes', status: '200' })).toBe(ok0 + 3);
    const count = sample(text, 'switchboard_request_duration_seconds_count', { asset: 'notes', operation: 'listNotes' }) ?? 0;
    expect(count).toBeGreaterThanOrEqual(3);
    // Cumulative buckets: +Inf equals the count, and no bucket exceeds the next.
    expect(sample(text, 'switchboard_request_duration_seconds_bucket', { asset: 'notes', operation: 'listNotes', le: '+Inf' })).toBe(count);
    expect(sample(text, 'switchboard_request_duration_seconds_sum', { asset: 'notes', operation: 'listNotes' })).toBeGreaterThan(0);
    expect(sample(text, 'switchboard_info', { replica: platform.config.replicaId })).toBe(1);
    // Node's process metrics and the admin API's own operations are there too.
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts the access gate’s refusals by code, the rate limit among them', async () => {
    const { access } = platform;
    if (!access) throw new Error('access control is off');
    const org = await access.service.createOrganization(SYSTEM, { name: 'metrics-org', kind: 'business' });
    const app = await access.service.createApp(SYSTEM, { orgId: org.id, name: 'metrics-app' });
    const { key } = await access.service.issueKey(SYSTEM, { appId: app.id, name: 'k', scopes: ['notes:read', 'notes:write'] });
    const plan = await access.service.createPlan(SYSTEM, { assetId: 'notes', name: 'one-per-second', perSecond: 1 });
    await access.service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
    await access.state.refresh(true);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await platform.call('GET', '/api/notes/notes', { headers: { 'x-api-key': key } })).status);
    expect(statuses).toContain(429);
    expect((await platform.call('GET', '/api/notes/notes', { as: 'anonymous' })).status).toBe(401);
    const text = await scrape();
    expect(sample(text, 'switchboard_access_refusals_total', { asset: 'notes', code: 'RATE_LIMITED' })).toBe(
      statuses.filter((s) => s === 429).length,
    );
    expect(sample(text, 'switchboard_access_refusals_total', { asset: 'notes', code: 'API_KEY_MISSING' })).toBeGreaterThanOrEqual(1);
  });

  it('reads queue and job gauges when scraped', async () => {
    const text = await scrape();
    // bgtest declares workers and jobs: each queue appears with its states, each job with its lag.
    expect(text).toMatch(/^switchboard_queue_messages\{queue="[^"]+",state="ready"\} \d+$/m);
    expect(text).toMatch(/^switchboard_job_lag_seconds\{job="[^"]+"\} [\d.e+-]+$/m);
    expect(sample(text, 'switchboard_metrics_collect_errors_total', { gauge: 'switchboard_queue_messages' }) ?? 0).toBe(0);
  });

  it('serves a plugin’s own metrics, prefixed with its asset id', async () => {
    const metrics = platform.metrics.forAsset('notes');
    metrics.counter('things_total', { help: 'Things.', labels: ['kind'] }).inc({ kind: 'a' }, 2);
    // Asking again gives the same metric.
    metrics.counter('things_total', { help: 'Things.', labels: ['kind'] }).inc({ kind: 'a' });
    metrics.histogram('work_seconds', { help: 'Work.' }).observe(undefined, 0.02);
    expect(() => metrics.counter('Bad-Name', { help: 'x' })).toThrow(/lower-case/);
    expect(() => metrics.gauge('things_total', { help: 'x' })).toThrow(/already a counter/);
    const text = await scrape();
    expect(sample(text, 'switchboard_notes_things_total', { kind: 'a' })).toBe(3);
    expect(sample(text, 'switchboard_notes_work_seconds_count')).toBe(1);
  });
});

describe('/metrics behind METRICS_TOKEN, and off', () => {
  it('wants the bearer token when one is set', async () => {
    const platform = await startTestPlatform({
      plugins: ['./docs/examples/notes'],
      overrides: { metricsToken: 'metrics-secret-0123456789' },
    });
    try {
      const anonymous = await platform.call('GET', '/metrics', { as: 'anonymous' });
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { code: string }).code).toBe('METRICS_TOKEN_INVALID');
      const wrong = await platform.call('GET', '/metrics', { headers: { authorization: 'Bearer metrics-secret-0123456780' } });
      expect(wrong.status).toBe(401);
      const right = await platform.call('GET', '/metrics', { headers: { authorization: 'Bearer metrics-secret-0123456789' } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('switchboard_requests_total');
    } finally {
      await platform.close();
    }
  });

  it('is not served with METRICS=off', async () => {
    const platform = await startTestPlatform({ plugins: ['./docs/examples/notes'], overrides: { metrics: false } });
    try {
      expect((await platform.call('GET', '/metrics', { as: 'anonymous' })).status).toBe(404);
    } finally {
      await platform.close();
    }
  });
});

describe('an asset’s own metrics', () => {
  it('counts dPaaS provider calls by method and outcome', async () => {
    const platform = await startTestPlatform({ plugins: ['./plugins/dpaas'] });
    try {
      expect((await platform.call('GET', '/dpaas/v1/zones')).status).toBe(200);
      const text = await (await platform.call('GET', '/metrics', { as: 'anonymous' })).text();
      expect(sample(text, 'switchboard_dpaas_provider_calls_total', { driver: 'simulator', method: 'listZones', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'switchboard_dpaas_provider_call_seconds_count', { driver: 'simulator', method: 'listZones' })).toBe(1);
    } finally {
      await platform.close();
    }
  });
});

describe('push deliveries on /metrics', () => {
  it('counts deliveries by provider and outcome, and times the provider calls', async () => {
    const platform = await startTestPlatform({
      plugins: ['./plugins/push'],
      pluginConfig: { push: { encryptionKey: randomBytes(32).toString('base64'), simulator: 'always' } },
    });
    try {
      const call = async (method: string, path: string, json?: unknown, headers: Record<string, string> = {}) => {
        const res = await platform.call(method, `/api/push${path}`, { json, headers });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect((await call('PUT', '/credentials/fcm', { serviceAccount: serviceAccountFor('metrics-project') })).status).toBe(200);
      for (const token of ['metrics-phone-1', 'metrics-phone-2', 'metrics-old-phone-unregistered']) {
        expect((await call('POST', '/devices', { platform: 'android', token, userId: 'carol' })).status).toBe(201);
      }
      const sent = await call(
        'POST',
        '/sends',
        { target: { userId: 'carol' }, notification: { title: 'hi' } },
        { 'idempotency-key': 'm-1' },
      );
      expect(sent.status).toBe(202);
      let report: Record<string, unknown> = {};
      for (let i = 0; i < 100 && report.status !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        report = (await call('GET', `/sends/${sent.body.id}`)).body;
      }
      expect(report.status).toBe('completed');
      const text = await (await platform.call('GET', '/metrics', { as: 'anonymous' })).text();
      expect(sample(text, 'switchboard_push_deliveries_total', { provider: 'simulator', outcome: 'delivered' })).toBe(2);
      expect(sample(text, 'switchboard_push_deliveries_total', { provider: 'simulator', outcome: 'unregistered' })).toBe(1);
      expect(sample(text, 'switchboard_push_provider_send_seconds_count', { provider: 'simulator' })).toBeGreaterThanOrEqual(1);
    } finally {
      await platform.close();
    }
  });
});
