/**
 * Partner documents at load, without a platform: generated operationIds, the quirk repairs, `#fragment` and
 * literal-over-template routing, schemas degraded rather than failing the asset, precise load errors, and the
 * OAuth2 token cache's expiry.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/src/config/load-config.js';
import { generatedOperationId, loadPartners, normalizeDocument, upstreamAuth } from '../../core/src/partners/index.js';
import { newClaims } from '../../core/src/plugins/prepare-plugin.js';
import { CORPUS_DIR, withBlock } from './corpus-files.js';
import { echoDocument } from './echo-document.js';
import { type EchoUpstream, startEchoUpstream } from './echo-upstream.js';

const ok = { description: 'ok' };
/** The loopback upstreams of these tests, allowed as PARTNER_ALLOWED_HOSTS would. */
const LOOPBACK = ['127.0.0.1'];
/** A `${NAME}` secret reference, as a partner document writes it. */
const envRef = (name: string) => `\${${name}}`;

describe('normalizing a vendor document', () => {
  it('generates stable operationIds from the method and path, unique within the document', () => {
    expect(generatedOperationId('get', '/user/{userId}/requests')).toBe('getUserByUserIdRequests');
    expect(generatedOperationId('POST', '/settings/plex/sync')).toBe('postSettingsPlexSync');
    expect(generatedOperationId('get', '/')).toBe('getRoot');
    const doc = {
      paths: {
        '/a-b': { get: { responses: { 200: ok } } },
        '/a_b': { get: { responses: { 200: ok } } },
        '/x': { get: { operationId: 'getAB', responses: { 200: ok } } },
      },
    };
    normalizeDocument(doc);
    const ids = Object.values(doc.paths).map((i) => (i.get as { operationId?: string }).operationId);
    expect(ids).toEqual(['getAB_2', 'getAB_3', 'getAB']);
  });

  it('routes `#fragment` keys at their URL, aliasing variants of a URL another operation serves', () => {
    const { routed, published, aliases } = normalizeDocument({
      paths: {
        '/files/{file_id}#add_shared_link': { put: { operationId: 'put_link', responses: { 200: ok } } },
        '/files/{file_id}': {
          put: { operationId: 'put_file', responses: { 200: ok } },
          get: { operationId: 'get_file', responses: { 200: ok } },
        },
        '/oauth2/token#refresh': { post: { operationId: 'refresh', responses: { 200: ok } } },
      },
    });
    const paths = routed.paths as Record<string, Record<string, { operationId: string }>>;
    expect(paths['/files/{file_id}'].put.operationId).toBe('put_file');
    expect(paths['/oauth2/token'].post.operationId).toBe('refresh'); // alone at its URL: routed there
    expect(aliases).toEqual([{ operationId: 'put_link', path: '/files/{file_id}', method: 'put', routedAs: 'put_file', fragment: true }]);
    expect(Object.keys(published.paths as object)).toContain('/files/{file_id}#add_shared_link');
  });

  it('orders literal segments before templates, so `/applications/@me` is not taken by `{application_id}`', () => {
    const { routed } = normalizeDocument({
      paths: {
        '/applications/{application_id}': { get: { responses: { 200: ok } } },
        '/applications/@me': { get: { responses: { 200: ok } } },
        '/applications/{application_id}/emojis': { get: { responses: { 200: ok } } },
      },
    });
    expect(Object.keys(routed.paths as object)).toEqual([
      '/applications/@me',
      '/applications/{application_id}',
      '/applications/{application_id}/emojis',
    ]);
  });

  it('repairs what Ajv refuses and reports each repair at its pointer', () => {
    const doc = {
      components: {
        schemas: {
          Tag: { type: 'string', pattern: '^[a-z\\:]+$' },
          Broken: { type: 'string', pattern: '([a-z' },
          Empty: { type: 'string', enum: [] },
          Maybe: { nullable: true, allOf: [{ $ref: '#/components/schemas/Tag' }] },
          Pet: {
            oneOf: [{ $ref: '#/components/schemas/Tag' }],
            discriminator: { propertyName: 'kind', mapping: { tag: '#/components/schemas/Tag' } },
          },
          // A property may be called `enum` or `default`: it is still a schema, and still repaired.
          Obj: { type: 'object', properties: { default: { type: 'string', enum: [] } }, example: { pattern: '([' } },
        },
      },
    };
    const { repairs } = normalizeDocument(doc);
    const s = doc.components.schemas as Record<string, Record<string, unknown>>;
    expect(s.Tag.pattern).toBe('^[a-z:]+$');
    expect(s.Broken.pattern).toBeUndefined();
    expect(s.Empty.enum).toBeUndefined();
    expect(s.Maybe).toEqual({ anyOf: [{ allOf: [{ $ref: '#/components/schemas/Tag' }] }, { enum: [null] }] });
    expect(s.Pet).toEqual({ anyOf: [{ $ref: '#/components/schemas/Tag' }] });
    expect(repairs.map((r) => r.pointer)).toEqual([
      '/components/schemas/Tag/pattern',
      '/components/schemas/Broken/pattern',
      '/components/schemas/Empty/enum',
      '/components/schemas/Maybe/nullable',
      '/components/schemas/Pet/discriminator',
      '/components/schemas/Obj/properties/default/enum',
    ]);
  });
});

describe('loading partner files', () => {
  const warnings: Record<string, unknown>[] = [];
  const log = {
    warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ ...obj, msg }),
    info: () => {},
    error: () => {},
    debug: () => {},
  } as unknown as Logger;
  const load = async (files: Record<string, unknown>, env: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'partners-load-'));
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    }
    const prepare = { rootDir: dir, pluginConfig: {}, configSources: {}, compileResponses: false };
    return loadPartners({ dir, claims: newClaims(), prepare, log, env, defaultTimeoutMs: 1000, allowedHosts: LOOPBACK });
  };
  const upstream = { baseUrl: 'http://127.0.0.1:1', auth: { type: 'none' } };

  it('finds nothing in a folder that does not exist', async () => {
    const none = await loadPartners({
      dir: '/nonexistent/partners',
      claims: newClaims(),
      prepare: { rootDir: '/', pluginConfig: {}, configSources: {}, compileResponses: false },
      log,
      env: {},
      defaultTimeoutMs: 1000,
      allowedHosts: LOOPBACK,
    });
    expect(none).toEqual({ prepared: [], errors: [] });
  });

  it('rejects what cannot be served with the code and pointer, and loads the rest', async () => {
    const good = echoDocument({ id: 'good', upstream });
    const { prepared, errors } = await load(
      {
        'a-missing.json': { ...good, 'x-switchboard': undefined },
        'b-auth.json': echoDocument({ id: 'bad-auth', upstream: { ...upstream, auth: { type: 'bearer' } } }),
        'c-env.yaml': JSON.stringify(
          echoDocument({ id: 'env', upstream: { ...upstream, auth: { type: 'bearer', token: envRef('NOT_SET') } } }),
        ),
        'd-invalid.json': { ...echoDocument({ id: 'invalid', upstream }), paths: { '/x': { get: { responses: 'nope' } } } },
        'e-version.json': { swagger: '1.2', 'x-switchboard': { id: 'old', upstream } },
        'f-good.json': good,
        'g-dup.json': echoDocument({ id: 'good', upstream }),
        'h-url.json': echoDocument({ id: 'url', upstream: { baseUrl: envRef('BASE'), auth: { type: 'none' } } }),
        'i-retries.json': echoDocument({ id: 'retries', upstream: { ...upstream, retries: { max: 11 } } }),
        'j-limits.json': echoDocument({ id: 'limits', upstream: { ...upstream, limits: { responseBytes: 0 } } }),
        'k-breaker.json': echoDocument({ id: 'breaker', upstream: { ...upstream, circuitBreaker: { failures: 3, after: 1 } } }),
        'l-no-upstream.json': echoDocument({ id: 'no-upstream' }),
        'm-mode.json': echoDocument({ id: 'mode', mode: 'replay', upstream }),
      },
      { BASE: 'ftp://files' },
    );
    expect(prepared.map((p) => p.meta.id)).toEqual(['good']);
    const found = errors.map(({ file, error }) => [file.split('/').pop(), error.code, error.pointer]);
    expect(found).toEqual([
      ['a-missing.json', 'XSB_MISSING', ''],
      ['b-auth.json', 'XSB_INVALID', '/x-switchboard/upstream/auth/token'],
      ['c-env.yaml', 'XSB_INVALID', '/x-switchboard/upstream/auth/token'],
      ['d-invalid.json', 'MANIFEST_INVALID', '/paths/~1x/get/responses'],
      ['e-version.json', 'MANIFEST_UNSUPPORTED_VERSION', '/swagger'],
      ['g-dup.json', 'DUPLICATE_ASSET_ID', '/info/x-switchboard/id'],
      ['h-url.json', 'XSB_INVALID', '/x-switchboard/upstream/baseUrl'],
      ['i-retries.json', 'XSB_INVALID', '/x-switchboard/upstream/retries/max'],
      ['j-limits.json', 'XSB_INVALID', '/x-switchboard/upstream/limits/responseBytes'],
      ['k-breaker.json', 'XSB_INVALID', '/x-switchboard/upstream/circuitBreaker/after'],
      ['l-no-upstream.json', 'XSB_INVALID', '/x-switchboard'],
      ['m-mode.json', 'XSB_INVALID', '/x-switchboard/mode'],
    ]);
    expect(errors[2].error.message).toContain('environment variable NOT_SET is not set');
  });

  it('reads PARTNERS_DIR relative to the config root, ./partners by default', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv/app').partnersDir).toBe('/srv/app/partners');
    expect(loadConfig({ NODE_ENV: 'test', PARTNERS_DIR: 'apis' }, '/srv/app').partnersDir).toBe('/srv/app/apis');
    expect(loadConfig({ NODE_ENV: 'test', PARTNERS_DIR: '/etc/partners' }, '/srv/app').partnersDir).toBe('/etc/partners');
  });

  it('loads a vendor document with lazily compiled validators too (the production default), every one compiling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partners-lazy-'));
    withBlock(join(CORPUS_DIR, 'digitalocean-public-v2.yaml'), dir, 'do.yaml', { id: 'digitalocean', upstream });
    warnings.length = 0;
    const prepare = { rootDir: dir, pluginConfig: {}, configSources: {}, compileResponses: false, lazyValidators: true };
    const { prepared, errors } = await loadPartners({
      dir,
      claims: newClaims(),
      prepare,
      log,
      env: {},
      defaultTimeoutMs: 1000,
      allowedHosts: LOOPBACK,
    });
    expect(errors).toEqual([]);
    for (const op of prepared[0].operations) op.compileNow();
    expect(warnings.filter((w) => w.code === 'SCHEMA_COMPILE_FAILED')).toEqual([]);
    expect(warnings.filter((w) => String(w.msg).includes('discriminator with mapping'))).not.toHaveLength(0);
  });

  it('degrades a schema that cannot compile: that schema accepts anything, with a warning at its pointer', async () => {
    const doc = echoDocument({ id: 'degraded', upstream });
    // A discriminator Ajv refuses (its branch lacks the property), left as the vendor wrote it.
    (doc.paths['/items/{itemId}'].put.requestBody.content['application/json'] as { schema: unknown }).schema = {
      type: 'object',
      discriminator: { propertyName: 'kind' },
      oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }],
    };
    const { prepared, errors } = await load({ 'degraded.json': doc });
    expect(errors).toEqual([]);
    const op = prepared[0].operations.find((o) => o.operationId === 'putItem');
    expect(op?.body?.validate?.({ anything: 1 })).toBe(true);
    expect(op?.validateParams?.({ path: { itemId: 'x' }, query: { q: 'nan' }, headers: {} })).toBe(false); // the rest still checks
    expect(warnings).toContainEqual(
      expect.objectContaining({
        asset: 'degraded',
        code: 'SCHEMA_COMPILE_FAILED',
        pointer: '/paths/~1items~1{itemId}/put/requestBody/content/application~1json/schema',
      }),
    );
  });
});

describe('the OAuth2 client-credentials token', () => {
  let upstream: EchoUpstream;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
  });
  afterAll(() => upstream.close());

  it('is cached until shortly before it expires, then refreshed', async () => {
    let now = 1_000_000;
    upstream.tokenLifetime = 100; // seconds: renewed 10 s (a tenth) before expiry
    const auth = upstreamAuth(
      { type: 'oauth2ClientCredentials', tokenUrl: `${upstream.url}/token`, clientId: 'c', clientSecret: 's' },
      1000,
      () => now,
    );
    const headers: Record<string, string> = {};
    await Promise.all([auth.apply(headers), auth.apply({})]); // concurrent first calls share one token request
    expect(upstream.tokenRequests).toHaveLength(1);
    expect(headers.authorization).toBe('Bearer tok-1');
    now += 89_000;
    expect(auth.apply(headers)).toBe(''); // still cached: answered synchronously
    expect(upstream.tokenRequests).toHaveLength(1);
    now += 2_000; // 91 s: inside the renewal margin
    await auth.apply(headers);
    expect(upstream.tokenRequests).toHaveLength(2);
    expect(headers.authorization).toBe('Bearer tok-2');
  });
});
