/**
 * @module What the dPaaS API tests share: a platform with the dpaas plugin on the simulator (short delays) or on the
 * fake CloudStack server, a small JSON client, operation polling, and second apps with their own plans and keys.
 */
import { expect } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { FAKE_CATALOGUE, type FakeCloudStack, startFakeCloudStack } from '../fakes/cloudstack/index.js';
import type { Backend } from '../support/backends.js';

export const BASE = '/dpaas/v1';

export type DriverKind = 'simulator' | 'cloudstack';

export interface DpaasHarness {
  platform: TestPlatform;
  driver: DriverKind;
  /** The fake CloudStack server, when the driver is cloudstack. */
  cs?: FakeCloudStack;
  /** Ids to create instances with on this driver. */
  catalogue: { zoneId: string; zone2Id: string; smallOfferingId: string; bigOfferingId: string; templateId: string };
  close(): Promise<void>;
}

/**
 * A platform with only the dpaas plugin, on a fresh database of `backend`, its driver answering in milliseconds;
 * `settings` go into the driver's config object (`simulator` or `cloudstack`).
 */
export const startDpaas = async (backend: Backend, driver: DriverKind, settings: Record<string, unknown> = {}): Promise<DpaasHarness> => {
  const db = await backend.create();
  const cs = driver === 'cloudstack' ? await startFakeCloudStack({ jobDelayMs: 10 }) : undefined;
  const config = cs
    ? {
        driver,
        cloudstack: { endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey, pollInitialMs: 10, pollMaxMs: 50, ...settings },
      }
    : { driver, simulator: { minDelayMs: 5, maxDelayMs: 20, ...settings } };
  const platform = await startTestPlatform({ plugins: ['./plugins/dpaas'], databaseUrl: db.url, pluginConfig: { dpaas: config } });
  expect(platform.loadErrors).toEqual([]);
  let catalogue: DpaasHarness['catalogue'];
  if (cs)
    catalogue = {
      zoneId: FAKE_CATALOGUE.zoneId,
      zone2Id: FAKE_CATALOGUE.zone2Id,
      smallOfferingId: FAKE_CATALOGUE.smallOfferingId,
      bigOfferingId: FAKE_CATALOGUE.mediumOfferingId,
      templateId: FAKE_CATALOGUE.templateId,
    };
  else {
    const zones = (await json(platform, 'GET', '/zones')).body.items;
    const offerings = (await json(platform, 'GET', '/offerings')).body.items;
    const templates = (await json(platform, 'GET', '/templates')).body.items;
    catalogue = {
      zoneId: zones[0].id,
      zone2Id: zones[1].id,
      smallOfferingId: offerings[0].id,
      bigOfferingId: offerings[1].id,
      templateId: templates[0].id,
    };
  }
  return {
    platform,
    driver,
    cs,
    catalogue,
    close: async () => {
      await platform.close();
      await cs?.close();
      await db.drop();
    },
  };
};

// biome-ignore lint/suspicious/noExplicitAny: test bodies are read loosely, as a client reads JSON.
export type Body = any;

export interface JsonAnswer {
  status: number;
  body: Body;
  headers: Headers;
}

/** Calls the dpaas API (paths relative to its base) and parses the answer. */
export const json = async (
  platform: TestPlatform,
  method: string,
  path: string,
  init: { json?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> => {
  const res = await platform.call(method, `${BASE}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
};

/** Asserts a 202 with an operation and where to poll it; returns the operation. */
export const accepted = (answer: JsonAnswer): Body => {
  expect([answer.status, answer.body?.code]).toEqual([202, undefined]);
  expect(answer.headers.get('location')).toBe(`${BASE}/operations/${answer.body.id}`);
  expect(answer.body.id).toMatch(/^op-[0-9a-f]{20}$/);
  return answer.body;
};

/** Polls an operation until it ends (as a client would); returns it. */
export const waitOperation = async (
  platform: TestPlatform,
  id: string,
  { headers, timeoutMs = 5000 }: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Body> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await json(platform, 'GET', `/operations/${id}`, { headers });
    expect(status).toBe(200);
    if (body.status !== 'pending') return body;
    if (Date.now() > deadline) throw new Error(`operation ${id} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Sends an action that answers 202 and waits for its operation to succeed. */
export const done = async (
  platform: TestPlatform,
  method: string,
  path: string,
  init: { json?: unknown; headers?: Record<string, string> } = {},
): Promise<Body> => {
  const op = await waitOperation(platform, accepted(await json(platform, method, path, init)).id, { headers: init.headers });
  expect([op.type, op.status, op.error]).toEqual([op.type, 'succeeded', null]);
  return op;
};

/** Waits until `check` passes. */
export const eventually = async <T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
};

/**
 * A second app in another organization, subscribed to dpaas under its own plan (with `limits`), and a key for it.
 * Plans with limits are made through the access service, since the admin API does not take `limits` yet.
 */
export const otherApp = async (platform: TestPlatform, name: string, limits?: Record<string, number>) => {
  const service = platform.access?.service;
  if (!service) throw new Error('the harness should provision access');
  const org = await service.createOrganization(SYSTEM, { name: `org-${name}`, kind: 'business' });
  const app = await service.createApp(SYSTEM, { orgId: org.id, name });
  const plan = await service.createPlan(SYSTEM, { assetId: 'dpaas', name: `plan-${name}`, limits: limits ?? null });
  await service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
  const { key } = await service.issueKey(SYSTEM, { appId: app.id, name: 'k' });
  await platform.access?.state.refresh(true);
  return { appId: app.id, headers: { authorization: `Bearer ${key}` } };
};

/** A new instance, running, as the given app; returns its id. */
export const runningInstance = async (h: DpaasHarness, name: string, headers?: Record<string, string>, extra: object = {}) => {
  const c = h.catalogue;
  const answer = await json(h.platform, 'POST', '/instances', {
    headers,
    json: { name, zoneId: c.zoneId, offeringId: c.smallOfferingId, templateId: c.templateId, ...extra },
  });
  const op = await waitOperation(h.platform, accepted(answer).id, { headers });
  expect(op.status).toBe('succeeded');
  return op.resource.id as string;
};

/** The job's runs, newest first, once a run later than `since` has finished. */
export const runJob = async (platform: TestPlatform, name: string) => {
  const key = `dpaas.${name}`;
  const before = (await platform.background.scheduler.history(key, 1))[0]?.id ?? 0;
  expect(await platform.background.scheduler.trigger(key)).toBe(true);
  return eventually(async () => {
    const [last] = await platform.background.scheduler.history(key, 1);
    if (!last || last.id <= before || !last.finishedAt) throw new Error(`${key} has not run yet`);
    expect([last.outcome, last.error]).toEqual(['succeeded', null]);
    return last;
  }, 10_000);
};
