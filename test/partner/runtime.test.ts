/**
 * Partner assets added, replaced and removed while the platform runs, as an operator does it: upload through the
 * admin API, subscribe an app, call it through the proxy; a new version adds an operation; calls in flight on a
 * replaced or removed version finish; a document that cannot load is refused with its code and pointer and nothing
 * is stored; PARTNERS_DIR assets are read-only; and the CLI does the same on the database a running platform polls.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../core/src/access/entities/audit-entry.js';
import { PartnerDocument } from '../../core/src/partners/partner-document.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { echoDocument, writeEchoPartner } from './echo-document.js';
import { type EchoUpstream, startEchoUpstream } from './echo-upstream.js';

const LOOPBACK = ['127.0.0.1', 'localhost'];
const root = resolve(import.meta.dirname, '../..');

let upstream: EchoUpstream;
let platform: TestPlatform;
let partnersDir: string;

const admin = async (method: string, path: string, init: { json?: unknown; body?: string; type?: string; token?: string } = {}) => {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.type) headers['content-type'] = init.type;
  const res = await platform.call(method, `/admin/v1${path}`, { as: 'admin', json: init.json, body: init.body, headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
};

/** The echo partner under another id, pointing at the loopback upstream; `extra` paths make a new version. */
const rtDocument = (id: string, extra: Record<string, unknown> = {}) => {
  const doc = echoDocument({ id, title: `Runtime ${id}`, upstream: { baseUrl: `${upstream.url}/base`, timeoutMs: 5000 } });
  Object.assign(doc.paths, extra);
  return doc;
};
const EXTRA = { '/extra': { get: { operationId: 'getExtra', responses: { '207': { description: 'echo' } } } } };

/** An app with a key, subscribed to `assetId` through a plan the operator creates after the upload. */
const subscribedKey = async (assetId: string) => {
  const plan = await admin('POST', '/plans', { json: { assetId, name: `basic-${assetId}` } });
  expect(plan.status).toBe(201);
  const org = await admin('POST', '/organizations', { json: { name: `Org ${assetId}`, kind: 'business' } });
  const app = await admin('POST', '/apps', { json: { orgId: org.body.id, name: `app-${assetId}` } });
  const key = await admin('POST', `/apps/${app.body.id}/keys`, { json: { name: 'k' } });
  expect((await admin('POST', '/subscriptions', { json: { appId: app.body.id, planId: plan.body.id } })).status).toBe(201);
  return key.body.key as string;
};
const withKey = (key: string, headers: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${key}`, ...headers } });
const openapiPaths = async () => Object.keys((await (await platform.call('GET', '/openapi.json')).json()).paths);
const storedRows = async (id: string) => platform.orm.em.fork().count(PartnerDocument, { id });
/** Waits until the upstream received a request carrying `marker` (so the call is truly in flight). */
const arrived = async (marker: string) => {
  for (let i = 0; i < 200; i++) {
    if (upstream.requests.some((r) => r.headers['x-marker'] === marker)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the call ${marker} never reached the upstream`);
};

/** Counts `close()` calls on the proxy serving `id` now (the registry calls it when a retired version is idle). */
const watchClose = (id: string) => {
  const registry = platform.partners as unknown as {
    served: Map<string, { prepared: { definition: { handlers: (s: never) => object } } }>;
  };
  const definition = registry.served.get(id)?.prepared.definition;
  if (!definition) throw new Error(`${id} is not served`);
  let calls = 0;
  for (const handler of new Set(Object.values(definition.handlers({} as never)))) {
    const previous = (handler as { close?: () => void }).close;
    Object.assign(handler, {
      close: () => {
        calls += 1;
        previous?.();
      },
    });
  }
  return () => calls;
};

beforeAll(async () => {
  upstream = await startEchoUpstream();
  partnersDir = mkdtempSync(join(tmpdir(), 'partners-rt-'));
  writeEchoPartner(partnersDir, 'rt-dir.json', { id: 'rt-dir', upstream: { baseUrl: `${upstream.url}/dir` } });
  platform = await startTestPlatform({
    plugins: ['./test/fixtures/plugins/hello'],
    overrides: { partnersDir, partnerAllowedHosts: LOOPBACK },
  });
});

afterAll(async () => {
  await platform?.close();
  await upstream?.close();
  rmSync(partnersDir, { recursive: true, force: true });
});

describe('a partner document uploaded through the admin API', () => {
  let key: string;

  it('is served at once: its operations answer through the proxy and appear in /openapi.json', async () => {
    expect((await platform.call('GET', '/api/rt-echo/large')).status).toBe(404);
    const put = await admin('PUT', '/partners/rt-echo', { json: rtDocument('rt-echo') });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: 'rt-echo', source: 'uploaded', version: 1, mode: 'live', basePath: '/api/rt-echo', error: null });
    expect(put.body.operations).toContainEqual({ method: 'PUT', path: '/api/rt-echo/items/{itemId}', operationId: 'putItem' });

    key = await subscribedKey('rt-echo');
    const res = await platform.call('PUT', '/api/rt-echo/items/a1?q=3', withKey(key, { 'content-type': 'application/json' }));
    expect(res.status).toBe(400); // validated against the uploaded schemas: the body is required
    const ok = await platform.call('PUT', '/api/rt-echo/items/a1?q=3', { ...withKey(key), json: { name: 'x' } });
    expect(ok.status).toBe(207);
    expect(upstream.last().url).toBe('/base/items/a1?q=3');
    expect(ok.headers.get('x-request-id')).toBeTruthy();
    // No key: the access gate is in front of uploads as of every asset.
    expect((await platform.call('GET', '/api/rt-echo/large', { as: 'anonymous' })).status).toBe(401);

    expect(await openapiPaths()).toContain('/api/rt-echo/items/{itemId}');
    const list = await admin('GET', '/partners');
    expect(list.body.items.map((p: { id: string; source: string }) => `${p.id}:${p.source}`)).toEqual([
      'rt-dir:directory',
      'rt-echo:uploaded',
    ]);
    expect(list.body.items[1]).toMatchObject({ version: 1, operationCount: 4 });
    expect((await admin('GET', '/assets')).body.items.map((a: { id: string }) => a.id)).toContain('rt-echo');
  });

  it('answers 404 and 405 as problem+json on its paths', async () => {
    const missing = await platform.call('GET', '/api/rt-echo/nothing-here', withKey(key));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await missing.json()).code).toBe('NOT_FOUND');
    const wrong = await platform.call('POST', '/api/rt-echo/large', withKey(key));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });

  it('is replaced by a new version (YAML text) whose added operation is live at once', async () => {
    expect((await platform.call('GET', '/api/rt-echo/extra', withKey(key))).status).toBe(404);
    const put = await admin('PUT', '/partners/rt-echo', { body: dump(rtDocument('rt-echo', EXTRA)), type: 'application/yaml' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, operationCount: 5 });
    expect((await platform.call('GET', '/api/rt-echo/extra', withKey(key))).status).toBe(207);
    expect(await openapiPaths()).toContain('/api/rt-echo/extra');
    const got = await admin('GET', '/partners/rt-echo');
    expect(got.body.operations).toContainEqual({ method: 'GET', path: '/api/rt-echo/extra', operationId: 'getExtra' });
  });

  it('lets a slow call started before a replacement finish with 200 on the old version', async () => {
    // The proxy of version 2, which the registry closes (its keep-alive agent) once its last call ended.
    const closed = watchClose('rt-echo');
    const slow = platform.call('GET', '/api/rt-echo/large', withKey(key, { 'x-echo-delay': '600', 'x-marker': 'replace' }));
    await arrived('replace');
    const put = await admin('PUT', '/partners/rt-echo', { json: rtDocument('rt-echo') });
    expect(put.body.version).toBe(3);
    expect(closed()).toBe(0);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('late');
    expect(closed()).toBe(1);
    // Version 3 dropped /extra again.
    expect((await platform.call('GET', '/api/rt-echo/extra', withKey(key))).status).toBe(404);
  });

  it('switches to mock and back, audited', async () => {
    const mock = await admin('PUT', '/partners/rt-echo/mode', { json: { mode: 'mock' } });
    expect(mock.status).toBe(200);
    expect(mock.body).toMatchObject({ mode: 'mock', version: 3 });
    const live = await admin('PUT', '/partners/rt-echo/mode', { json: { mode: 'live' } });
    expect(live.body.mode).toBe('live');
    expect((await platform.call('PUT', '/api/rt-echo/items/b', { ...withKey(key), json: { name: 'y' } })).status).toBe(207);
  });

  it('is removed: a call in flight finishes, new calls get 404, and it leaves /openapi.json', async () => {
    const closed = watchClose('rt-echo');
    const slow = platform.call('GET', '/api/rt-echo/large', withKey(key, { 'x-echo-delay': '600', 'x-marker': 'remove' }));
    await arrived('remove');
    expect((await admin('DELETE', '/partners/rt-echo')).status).toBe(204);
    expect((await platform.call('GET', '/api/rt-echo/large', withKey(key))).status).toBe(404);
    expect(closed()).toBe(0);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('late');
    expect(closed()).toBe(1);
    expect((await openapiPaths()).some((p) => p.startsWith('/api/rt-echo/'))).toBe(false);
    expect((await admin('GET', '/partners/rt-echo')).status).toBe(404);
    expect((await admin('DELETE', '/partners/rt-echo')).status).toBe(404);
    expect((await admin('GET', '/assets')).body.items.map((a: { id: string }) => a.id)).not.toContain('rt-echo');
  });

  it('writes every change to the audit log, naming the operator', async () => {
    const rows = await platform.orm.em.fork().find(AuditEntry, { targetType: 'partner', targetId: 'rt-echo' }, { orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.action)).toEqual([
      'partner.put',
      'partner.put',
      'partner.put',
      'partner.mode',
      'partner.mode',
      'partner.remove',
    ]);
    expect(rows.every((r) => r.actorType === 'operator')).toBe(true);
    expect(rows[1].before).toMatchObject({ version: 1 });
    expect(rows[1].after).toMatchObject({ version: 2, mode: 'live' });
    expect(JSON.stringify(rows[0].after)).not.toContain('paths'); // a digest, not the document
  });

  it('can be uploaded again under the same id, as a later version', async () => {
    const put = await admin('PUT', '/partners/rt-echo', { json: rtDocument('rt-echo') });
    expect(put.status).toBe(201);
    expect(put.body.version).toBe(4);
    // The plan and subscription made for the first upload still hold.
    expect((await platform.call('PUT', '/api/rt-echo/items/c', { ...withKey(key), json: { name: 'z' } })).status).toBe(207);
    expect((await admin('DELETE', '/partners/rt-echo')).status).toBe(204);
  });
});

describe('an upload that cannot load', () => {
  const refused = async (id: string, init: Parameters<typeof admin>[2]) => {
    const res = await admin('PUT', `/partners/${id}`, init);
    expect(res.type).toContain('application/problem+json');
    expect(await storedRows(id)).toBe(0);
    expect((await admin('GET', `/partners/${id}`)).status).toBe(404);
    return res;
  };

  it('answers 422 with the load error’s code and pointer, and stores nothing', async () => {
    const doc = rtDocument('rt-bad') as Record<string, unknown>;
    (doc['x-switchboard'] as { upstream: { baseUrl: string } }).upstream.baseUrl = 'ftp://example.com';
    const res = await refused('rt-bad', { json: doc });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'XSB_INVALID', pointer: '/x-switchboard/upstream/baseUrl' });
    expect(res.body.errors[0].pointer).toBe('/x-switchboard/upstream/baseUrl');

    const broken = rtDocument('rt-bad');
    (broken.paths as Record<string, unknown>)['/large'] = {
      get: {
        operationId: 'getLarge',
        responses: { '200': { description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } } },
      },
    };
    const ref = await refused('rt-bad', { json: broken });
    expect(ref.status).toBe(422);
    expect(ref.body.code).toBe('MANIFEST_UNRESOLVED_REF');
    expect(ref.body.pointer).toBe('/paths/~1large/get/responses/200/content/application~1json/schema/$ref');

    const missing = await refused('rt-bad', { json: { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {} } });
    expect(missing.body.code).toBe('XSB_MISSING');
  });

  it('answers 400 when it does not parse', async () => {
    const res = await refused('rt-bad', { body: 'openapi: [3.0\n  paths: {', type: 'application/yaml' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MANIFEST_PARSE_ERROR');
  });

  it('answers 400 to a small YAML document whose aliases expand beyond a million values, quickly', async () => {
    let bomb = 'a0: &a0 ["xxxxxxxxxx"]\n';
    for (let i = 1; i <= 40; i++) bomb += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
    bomb += 'openapi: 3.0.3\n';
    const started = Date.now();
    const res = await refused('rt-bomb', { body: bomb, type: 'application/yaml' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MANIFEST_PARSE_ERROR');
    expect(res.body.detail).toContain('more than 1000000 values');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers 422 when the document names another id than the path', async () => {
    const res = await refused('rt-other', { json: rtDocument('rt-bad') });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'PARTNER_ID_MISMATCH', pointer: '/x-switchboard/id' });
  });

  it('answers 409 when a route is taken by a loaded plugin, or the id by a PARTNERS_DIR file', async () => {
    const clash = echoDocument({ id: 'rt-clash', basePath: '/hello-api', upstream: { baseUrl: upstream.url } });
    Object.assign(clash.paths, {
      '/greet/{who}': {
        get: {
          operationId: 'hi',
          parameters: [{ name: 'who', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'x' } },
        },
      },
    });
    const route = await refused('rt-clash', { json: clash });
    expect(route.status).toBe(409);
    expect(route.body).toMatchObject({ code: 'ROUTE_CONFLICT', pointer: '/paths/~1greet~1{who}/get' });

    const dir = await admin('PUT', '/partners/rt-dir', { json: rtDocument('rt-dir') });
    expect(dir.status).toBe(409);
    expect(dir.body.code).toBe('PARTNER_READ_ONLY');
    expect((await admin('DELETE', '/partners/rt-dir')).body.code).toBe('PARTNER_READ_ONLY');
    expect((await admin('PUT', '/partners/rt-dir/mode', { json: { mode: 'mock' } })).status).toBe(409);
    expect((await admin('GET', '/partners/rt-dir')).body).toMatchObject({ source: 'directory', version: null, operationCount: 4 });
  });

  it('refuses the ids and base paths of the core’s own APIs (422), and a base path another upload serves (409)', async () => {
    const admin0 = await refused('admin', { json: echoDocument({ id: 'admin', upstream: { baseUrl: upstream.url } }) });
    expect(admin0.status).toBe(422);
    expect(admin0.body.pointer).toMatch(/x-switchboard\/id$/);
    for (const basePath of ['/admin/v1', '/developer/v1', '/console', '/metrics', '/docs']) {
      const res = await refused('rt-reserved', {
        json: echoDocument({ id: 'rt-reserved', basePath, upstream: { baseUrl: upstream.url } }),
      });
      expect(res.status).toBe(422);
      expect(res.body.pointer).toMatch(/x-switchboard\/basePath$/);
    }
    const first = await admin('PUT', '/partners/rt-shop-a', {
      json: echoDocument({ id: 'rt-shop-a', basePath: '/shop', upstream: { baseUrl: upstream.url } }),
    });
    expect(first.status).toBe(201);
    const other = rtDocument('rt-shop-b') as Record<string, unknown>;
    (other['x-switchboard'] as Record<string, unknown>).basePath = '/shop';
    other.paths = { '/other': { get: { operationId: 'other', responses: { '200': { description: 'x' } } } } };
    const same = await refused('rt-shop-b', { json: other });
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('ROUTE_CONFLICT');
    expect(same.body.pointer).toBe('/x-switchboard/basePath');
    expect((await admin('DELETE', '/partners/rt-shop-a')).status).toBe(204);
  });

  it('may not read the server’s environment: only PARTNER_… variables resolve in an upload', async () => {
    process.env.RT_SERVER_SECRET = 'do-not-leak';
    const doc = rtDocument('rt-env') as Record<string, unknown>;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${NAME} reference of a partner document, not a template.
    (doc['x-switchboard'] as { upstream: Record<string, unknown> }).upstream.auth = { type: 'bearer', token: '${RT_SERVER_SECRET}' };
    const res = await refused('rt-env', { json: doc });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('XSB_INVALID');
    expect(res.body.pointer).toBe('/x-switchboard/upstream/auth/token');
    expect(JSON.stringify(res.body)).not.toContain('do-not-leak');
    expect(res.body.detail).toContain('PARTNER_');
    delete process.env.RT_SERVER_SECRET;
  });

  it('is refused to a viewer: changing partner assets needs the operator role', async () => {
    const viewer = await admin('POST', '/operators', { json: { email: 'viewer@example.com', name: 'V', role: 'viewer' } });
    const res = await admin('PUT', '/partners/rt-viewer', { json: rtDocument('rt-viewer'), token: viewer.body.token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ROLE_REQUIRED');
    expect((await admin('GET', '/partners', { token: viewer.body.token })).status).toBe(200);
    expect(await storedRows('rt-viewer')).toBe(0);
  });
});

describe('npx switchboard partners', () => {
  const run = promisify(execFile);
  let dir: string;
  let filePlatform: TestPlatform;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', join(root, 'core/src/cli/main.ts'), 'partners', ...args], { cwd: root, env });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'partners-cli-'));
    const databaseUrl = `sqlite:${join(dir, 'db.sqlite')}`;
    filePlatform = await startTestPlatform({
      plugins: ['./test/fixtures/plugins/hello'],
      databaseUrl,
      overrides: { partnersDir, partnerAllowedHosts: LOOPBACK, accessPollMs: 100 },
    });
    env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      SWITCHBOARD_CONFIG: '',
      SWITCHBOARD_PLUGINS: './test/fixtures/plugins/hello',
      PARTNERS_DIR: partnersDir,
      PARTNER_ALLOWED_HOSTS: LOOPBACK.join(','),
    };
  }, 60_000);

  afterAll(async () => {
    await filePlatform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const served = async (path: string, want: number) => {
    const started = Date.now();
    while (Date.now() - started < 5000) {
      if ((await filePlatform.call('GET', path)).status === want) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${path} never answered ${want}`);
  };

  it('puts, lists and removes, and the running platform follows', async () => {
    const file = join(dir, 'rt-cli.yaml');
    writeFileSync(file, dump(rtDocument('rt-cli')));
    const put = await cli('put', file);
    expect(put.stdout).toContain('added rt-cli v1 (live, 4 operations) at /api/rt-cli');
    // Not subscribed: 403 says the route exists (404 before the platform polled).
    await served('/api/rt-cli/large', 403);

    writeFileSync(file, dump(rtDocument('rt-cli', EXTRA)));
    expect((await cli('put', file)).stdout).toContain('replaced rt-cli v2 (live, 5 operations)');
    await served('/api/rt-cli/extra', 403);

    const list = (await cli('list')).stdout;
    expect(list).toMatch(/rt-dir\s+directory\s+-\s+-\s+4 ops/);
    expect(list).toMatch(/rt-cli\s+uploaded\s+v2\s+live\s+5 ops\s+\/api\/rt-cli/);

    expect((await cli('mode', 'rt-cli', 'mock')).stdout).toContain('rt-cli v2 is now mock');
    expect((await cli('remove', 'rt-cli')).stdout).toContain('removed rt-cli');
    await served('/api/rt-cli/large', 404);
    const audit = await filePlatform.orm.em.fork().find(AuditEntry, { targetType: 'partner', targetId: 'rt-cli' });
    expect(audit.map((a) => `${a.actorType}:${a.actorId} ${a.action}`)).toEqual([
      'system:cli partner.put',
      'system:cli partner.put',
      'system:cli partner.mode',
      'system:cli partner.remove',
    ]);
  }, 60_000);

  it('lets a PARTNERS_DIR file added later shadow an upload of its id, which can then be removed', async () => {
    const upload = await filePlatform.call('PUT', '/admin/v1/partners/rt-shadow', { as: 'admin', json: rtDocument('rt-shadow') });
    expect(upload.status).toBe(201);
    const laterDir = mkdtempSync(join(tmpdir(), 'partners-later-'));
    writeEchoPartner(laterDir, 'rt-shadow.json', { id: 'rt-shadow', upstream: { baseUrl: `${upstream.url}/dir` } });
    const restarted = await startTestPlatform({
      plugins: ['./test/fixtures/plugins/hello'],
      databaseUrl: `sqlite:${join(dir, 'db.sqlite')}`,
      overrides: { partnersDir: laterDir, partnerAllowedHosts: LOOPBACK, migrateOnStart: false },
    });
    try {
      const views = restarted.partners.list().filter((p) => p.id === 'rt-shadow');
      expect(views.map((v) => `${v.source}:${v.error?.code ?? 'ok'}`)).toEqual(['directory:ok', 'uploaded:PARTNER_READ_ONLY']);
      const removed = await restarted.call('DELETE', '/admin/v1/partners/rt-shadow', { as: 'admin' });
      expect(removed.status).toBe(204);
      expect(restarted.partners.list().map((p) => `${p.id}:${p.source}`)).toContain('rt-shadow:directory');
      expect(restarted.partners.list().filter((p) => p.id === 'rt-shadow')).toHaveLength(1);
      const again = await restarted.call('DELETE', '/admin/v1/partners/rt-shadow', { as: 'admin' });
      expect((await again.json()).code).toBe('PARTNER_READ_ONLY');
    } finally {
      await restarted.close();
      rmSync(laterDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a document that cannot load, with its code, and exits 1', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(rtDocument('rt-dir')));
    const err = await cli('put', file).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('PARTNER_READ_ONLY');
  }, 30_000);
});
