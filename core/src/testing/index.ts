/**
 * @module Test harness: start a platform in-process with chosen plugins, call it through `app.request()`, read what
 * it logged. Used by the core's tests and by plugin authors' tests.
 */
import { Writable } from 'node:stream';
import type { CoreConfig } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { createPlatform, type Platform } from '../platform/create-platform.js';

export interface TestPlatformOptions {
  /** Plugin specifiers, resolved from `rootDir` (default: the repository root). */
  plugins: string[];
  /** Default: a private in-memory SQLite database. */
  databaseUrl?: string;
  pluginConfig?: CoreConfig['pluginConfig'];
  /** Any other config to override. */
  overrides?: Partial<CoreConfig>;
}

export interface CallInit {
  json?: unknown;
  headers?: Record<string, string>;
  body?: BodyInit;
  /**
   * Whose credential to send (default `app`: the harness app's key). Ignored when `headers` carries an
   * `authorization` or `x-api-key` of its own.
   */
  as?: 'app' | 'admin' | 'anonymous';
}

export interface TestPlatform extends Platform {
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** The harness app: subscribed (no limits) to every loaded asset, with a key holding every scope. */
  testApp: { orgId: string; appId: string; key: string } | null;
  /** The admin token of the harness's operator. */
  adminToken: string;
  /** Calls the app like a client would, with a JSON body when `json` is given. */
  call(method: string, path: string, init?: CallInit): Promise<Response>;
}

const HARNESS_ADMIN_TOKEN = 'sba_harness0000000000000000000000000000000000';

/** The harness app, created once per database and reused by later platforms on it (with a new key each time). */
const provisionTestApp = async (platform: Platform): Promise<TestPlatform['testApp']> => {
  const { access, orm } = platform;
  if (!access) return null;
  const { App } = await import('../access/entities/app.js');
  const { Organization } = await import('../access/entities/organization.js');
  const { Plan } = await import('../access/entities/plan.js');
  const { Subscription } = await import('../access/entities/subscription.js');
  const { SYSTEM } = await import('../access/access-service.js');
  const em = orm.em.fork();
  const org =
    (await em.findOne(Organization, { name: 'test-harness' })) ??
    (await access.service.createOrganization(SYSTEM, { name: 'test-harness', kind: 'business' }));
  const app =
    (await em.findOne(App, { orgId: org.id, name: 'harness' })) ??
    (await access.service.createApp(SYSTEM, { orgId: org.id, name: 'harness' }));
  for (const p of platform.plugins) {
    const assetId = p.prepared.meta.id;
    if (await em.findOne(Subscription, { appId: app.id, assetId })) continue;
    const plan =
      (await em.findOne(Plan, { assetId, name: 'harness' })) ?? (await access.service.createPlan(SYSTEM, { assetId, name: 'harness' }));
    await access.service.subscribe(SYSTEM, { appId: app.id, planId: plan.id });
  }
  const { key } = await access.service.issueKey(SYSTEM, { appId: app.id, name: 'harness' });
  await access.state.refresh(true);
  return { orgId: org.id, appId: app.id, key };
};

/** Starts a platform for a test. Close it with `platform.close()`. */
export const startTestPlatform = async ({ plugins, databaseUrl, pluginConfig, overrides }: TestPlatformOptions): Promise<TestPlatform> => {
  const base = loadConfig({ NODE_ENV: 'test' }, process.cwd());
  const config: CoreConfig = {
    ...base,
    plugins,
    databaseUrl: databaseUrl ?? 'sqlite::memory:',
    pluginConfig: pluginConfig ?? {},
    pluginConfigSources: {},
    configFile: null,
    logLevel: 'info',
    accessLog: false,
    // Background work reacts in tens of milliseconds so plugin tests need not wait for production poll intervals.
    schedulerPollMs: 50,
    queuePollMs: 50,
    accessControl: true,
    adminToken: HARNESS_ADMIN_TOKEN,
    demoApp: false,
    // Every in-process call comes from the same "address": tests sign in far more often than a person would.
    authAttemptsPerMinute: 10_000,
    ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const platform = await createPlatform(config, { logDestination: destination });
  const testApp = await provisionTestApp(platform);
  return Object.assign(platform, {
    logs,
    testApp,
    adminToken: config.adminToken ?? HARNESS_ADMIN_TOKEN,
    call: (method: string, path: string, init: CallInit = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      const own = Object.keys(headers).some((h) => ['authorization', 'x-api-key'].includes(h.toLowerCase()));
      const as = init.as ?? 'app';
      if (!own && as === 'app' && testApp) headers.authorization = `Bearer ${testApp.key}`;
      if (!own && as === 'admin') headers.authorization = `Bearer ${config.adminToken ?? HARNESS_ADMIN_TOKEN}`;
      let body = init.body;
      if (init.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(init.json);
      }
      return Promise.resolve(platform.app.request(path, { method, headers, body }));
    },
  });
};
