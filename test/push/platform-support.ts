/**
 * @module Starting the push asset for a test: a platform with the plugin, the loopback fakes of FCM and APNs wired
 * in through the plugin's config, and helpers to upload credentials, register devices, make a second app and wait.
 */
import type { CoreConfig } from '../../core/src/config/config.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { FakeApns } from '../fakes/apns/index.js';
import { FakeFcm } from '../fakes/fcm/index.js';
import { apnsToken, BUNDLE_ID } from './support.js';

export const PUSH = './plugins/push';
export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

export interface PushFakes {
  fcm: FakeFcm;
  apns: FakeApns;
  config: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Both fakes, started, and the config slice that points the plugin's real senders at them. */
export const startFakes = async (): Promise<PushFakes> => {
  const fcm = new FakeFcm();
  const apns = new FakeApns();
  const [f, a] = await Promise.all([fcm.start(), apns.start()]);
  return {
    fcm,
    apns,
    config: { fcmEndpoint: f, apnsEndpoint: a, encryptionKey: ENCRYPTION_KEY },
    stop: async () => {
      await Promise.all([fcm.stop(), apns.stop()]);
    },
  };
};

export const startPushPlatform = async (
  databaseUrl: string,
  pushConfig: Record<string, unknown>,
  overrides: Partial<CoreConfig> = {},
): Promise<TestPlatform> => {
  const platform = await startTestPlatform({
    plugins: [PUSH],
    databaseUrl,
    pluginConfig: { push: { retryBaseMs: 100, retryMaxMs: 2000, ...pushConfig } },
    overrides: { drainMs: 2000, ...overrides },
  });
  if (platform.loadErrors.length) throw new Error(`push did not load: ${JSON.stringify(platform.loadErrors)}`);
  return platform;
};

/** A JSON call that returns the status and parsed body. */
export const api =
  (platform: TestPlatform, headers: Record<string, string> = {}) =>
  async <T = Record<string, unknown>>(method: string, path: string, json?: unknown, extra: Record<string, string> = {}) => {
    const res = await platform.call(method, `/api/push${path}`, { json, headers: { ...headers, ...extra } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, text };
  };

/** A second app of another organization, subscribed to push, and its key as headers. */
export const secondApp = async (platform: TestPlatform): Promise<Record<string, string>> => {
  const admin = async (method: string, path: string, json?: unknown) =>
    (await platform.call(method, `/admin/v1${path}`, { as: 'admin', json })).json();
  const org = await admin('POST', '/organizations', { name: `other-${Math.random().toString(36).slice(2, 8)}`, kind: 'business' });
  const app = await admin('POST', '/apps', { orgId: org.id, name: 'other' });
  const plan = await admin('POST', '/plans', { assetId: 'push', name: `p-${Math.random().toString(36).slice(2, 8)}` });
  await admin('POST', '/subscriptions', { appId: app.id, planId: plan.id });
  const { key } = await admin('POST', `/apps/${app.id}/keys`, { name: 'other', scopes: ['*'] });
  return { authorization: `Bearer ${key}` };
};

/** Uploads credentials the fakes trust: an FCM service account and an APNs key for BUNDLE_ID. */
export const uploadFakeCredentials = async (platform: TestPlatform, fakes: PushFakes, headers: Record<string, string> = {}) => {
  const call = api(platform, headers);
  const serviceAccount = fakes.fcm.createServiceAccount(`proj-${Math.random().toString(36).slice(2, 8)}`);
  const fcm = await call('PUT', '/credentials/fcm', { serviceAccount });
  const key = fakes.apns.createKey({ bundleIds: [BUNDLE_ID] });
  const apns = await call('PUT', '/credentials/apns', { ...key, bundleId: BUNDLE_ID, production: true });
  if (fcm.status !== 200 || apns.status !== 200) throw new Error(`credential upload failed: ${fcm.text} ${apns.text}`);
  return { serviceAccount, key };
};

export interface DeviceIn {
  platform: 'ios' | 'android' | 'web';
  token: string;
  userId?: string;
  tags?: string[];
  locale?: string;
  timeZone?: string;
}

export const register = async (platform: TestPlatform, devices: DeviceIn[], headers: Record<string, string> = {}) => {
  const call = api(platform, headers);
  const out: { id: string; token: string }[] = [];
  for (const d of devices) {
    const res = await call<{ id: string; token: string }>('POST', '/devices', d);
    if (res.status !== 201 && res.status !== 200) throw new Error(`register failed: ${res.text}`);
    out.push(res.body);
  }
  return out;
};

export const iosToken = (n: number): string => apnsToken(0xa000 + n);

/** Polls until `check` returns a truthy value or the deadline passes (then returns the last value). */
export const waitFor = async <T>(check: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 50): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

export interface Report {
  id: string;
  status: string;
  totals: Record<string, number>;
  recipients: {
    id: number;
    token: string;
    platform: string;
    status: string;
    attempts: number;
    provider: string | null;
    providerMessageId: string | null;
    reason: string | null;
    tokenRetired: boolean;
  }[];
  nextCursor: string | null;
}

/** Waits until the send is settled (completed, failed or cancelled) and returns its whole report. */
export const settledReport = async (platform: TestPlatform, sendId: string, headers: Record<string, string> = {}): Promise<Report> => {
  const call = api(platform, headers);
  const done = await waitFor(async () => {
    const r = await call<Report>('GET', `/sends/${sendId}?limit=1000`);
    return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : null;
  });
  if (!done) throw new Error(`send ${sendId} did not settle: ${(await call('GET', `/sends/${sendId}`)).text}`);
  return done;
};
