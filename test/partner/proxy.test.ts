/**
 * Partner assets with no code, through the whole pipeline: a small partner document per upstream auth kind, loaded
 * from PARTNERS_DIR, called like any asset, proxied to a loopback upstream that records what arrived.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { writeEchoPartner } from './echo-document.js';
import { type EchoUpstream, LARGE_CHUNK, LARGE_CHUNKS, startEchoUpstream } from './echo-upstream.js';

const SECRETS = {
  ECHO_PARTNER_KEY: 'pk-secret-1a2b3c',
  ECHO_BEARER: 'bt-secret-4d5e6f',
  ECHO_PASSWORD: 'pw-secret-7g8h9i',
  ECHO_CLIENT_SECRET: 'cs-secret-0j1k2l',
};

let upstream: EchoUpstream;
let platform: TestPlatform;
/** A `${NAME}` secret reference, as a partner document writes it. */
const envRef = (name: string) => `\${${name}}`;
const meter = () => {
  if (!platform.access) throw new Error('access control is off');
  return platform.access.meter;
};
const admin = async (method: string, path: string, json?: unknown) => {
  const res = await platform.call(method, `/admin/v1${path}`, { as: 'admin', json });
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  upstream = await startEchoUpstream();
  Object.assign(process.env, SECRETS, { ECHO_URL: upstream.url });
  const dir = mkdtempSync(join(tmpdir(), 'partners-'));
  const up = (auth: Record<string, unknown>) => ({ baseUrl: `${envRef('ECHO_URL')}/base`, timeoutMs: 2000, auth });
  writeEchoPartner(dir, 'echo.json', {
    id: 'echo',
    title: 'Echo',
    upstream: up({ type: 'apiKey', in: 'header', name: 'X-Partner-Key', value: envRef('ECHO_PARTNER_KEY') }),
  });
  writeEchoPartner(dir, 'echo-query.json', {
    id: 'echo-query',
    upstream: up({ type: 'apiKey', in: 'query', name: 'api_key', value: envRef('ECHO_PARTNER_KEY') }),
  });
  writeEchoPartner(dir, 'echo-bearer.json', { id: 'echo-bearer', upstream: up({ type: 'bearer', token: envRef('ECHO_BEARER') }) });
  writeEchoPartner(dir, 'echo-basic.json', {
    id: 'echo-basic',
    upstream: up({ type: 'basic', username: 'partner', password: envRef('ECHO_PASSWORD') }),
  });
  writeEchoPartner(dir, 'echo-oauth.json', {
    id: 'echo-oauth',
    upstream: up({
      type: 'oauth2ClientCredentials',
      tokenUrl: `${envRef('ECHO_URL')}/token`,
      clientId: 'switchboard',
      clientSecret: envRef('ECHO_CLIENT_SECRET'),
      scopes: ['read', 'write'],
    }),
  });
  // Nothing listens on port 9 (discard) of loopback: a refused connection.
  writeEchoPartner(dir, 'echo-down.json', { id: 'echo-down', upstream: { baseUrl: 'http://127.0.0.1:9', auth: { type: 'none' } } });
  writeEchoPartner(dir, 'echo-slow.json', { id: 'echo-slow', upstream: { ...up({ type: 'none' }), timeoutMs: 150 } });
  platform = await startTestPlatform({
    plugins: [],
    overrides: { partnersDir: dir, logLevel: 'debug', partnerAllowedHosts: ['127.0.0.1'] },
  });
});

afterAll(async () => {
  await platform?.close();
  await upstream?.close();
});

describe('a partner asset', () => {
  it('loads from PARTNERS_DIR with no code, one asset per file', () => {
    expect(platform.loadErrors).toEqual([]);
    expect(platform.plugins.map((p) => p.prepared.meta.id).sort()).toEqual([
      'echo',
      'echo-basic',
      'echo-bearer',
      'echo-down',
      'echo-oauth',
      'echo-query',
      'echo-slow',
    ]);
  });

  it('forwards method, path, query, headers and body intact, and hands the response back intact', async () => {
    const body = '{"name":  "caf\u00e9"}'; // odd spacing and non-ASCII: the bytes must pass as they are
    const res = await platform.call('PUT', '/api/echo/items/a%20b?q=7&extra=x&extra=y', {
      headers: {
        'content-type': 'application/json',
        'x-trace': 't-1',
        'x-undeclared': 'kept',
        connection: 'x-hop',
        'x-hop': 'dropped by Connection',
        'keep-alive': 'timeout=1',
        cookie: 'sb_session=console',
        'x-api-key': platform.testApp?.key ?? '',
      },
      body,
    });
    expect(res.status).toBe(207);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-upstream')).toBe('echo');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers.get('keep-alive')).toBeNull();
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const echoed = await res.json();
    expect(echoed.method).toBe('PUT');

    const got = upstream.last();
    expect(got.method).toBe('PUT');
    expect(got.url).toBe('/base/items/a%20b?q=7&extra=x&extra=y');
    expect(got.body.toString('utf8')).toBe(body);
    expect(Buffer.from(echoed.bodyBase64, 'base64').toString('utf8')).toBe(body);
    expect(got.headers['x-trace']).toBe('t-1');
    expect(got.headers['x-undeclared']).toBe('kept');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    // The caller's platform credentials and cookies never reach the partner; its own key does.
    expect(got.headers['x-api-key']).toBeUndefined();
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers.cookie).toBeUndefined();
    expect(got.headers['x-hop']).toBeUndefined();
    expect(got.headers['x-partner-key']).toBe(SECRETS.ECHO_PARTNER_KEY);
    expect(got.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
  });

  it('forwards binary bodies byte for byte, under a generated operationId', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x81, 0x0a, 0xc3]); // not UTF-8
    const res = await platform.call('POST', '/api/echo/items/9/raw', {
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(207);
    expect(upstream.last().body.equals(bytes)).toBe(true);
    const ids = platform.plugins.find((p) => p.prepared.meta.id === 'echo')?.prepared.operations.map((o) => o.operationId);
    expect(ids).toContain('postItemsByItemIdRaw');
  });

  it('forwards the JSON body it validated as the bytes received, not a re-encoding of them', async () => {
    // An invalid UTF-8 byte inside a string: decoding and re-encoding would turn it into U+FFFD (3 bytes).
    const bytes = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff]), Buffer.from('"}')]);
    const res = await platform.call('PUT', '/api/echo/items/1', { headers: { 'content-type': 'application/json' }, body: bytes });
    expect(res.status).toBe(207);
    expect(upstream.last().body.equals(bytes)).toBe(true);
  });

  it('validates against the partner’s schemas before anything reaches the upstream', async () => {
    const before = upstream.requests.length;
    const badQuery = await platform.call('PUT', '/api/echo/items/1?q=notanumber', { json: { name: 'x' } });
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/query/q' }] });
    const badBody = await platform.call('PUT', '/api/echo/items/1', { json: { name: 'x'.repeat(21) } });
    expect(await badBody.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/name' }] });
    const noBody = await platform.call('PUT', '/api/echo/items/1');
    expect(noBody.status).toBe(400);
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses a path parameter that decodes to a slash or a dot segment, before the upstream', async () => {
    const before = upstream.requests.length;
    for (const id of ['..%2F..%2Fadmin', 'a%2Fb', 'a%5Cb']) {
      const res = await platform.call('PUT', `/api/echo/items/${id}`, { json: { name: 'x' } });
      expect(res.status, id).toBe(400);
      const body = await res.json();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.errors[0].pointer).toMatch(/^\/path\//);
    }
    // An encoded dot segment is resolved by the URL parser before routing: no operation matches.
    expect((await platform.call('PUT', '/api/echo/items/%2E%2E', { json: { name: 'x' } })).status).toBe(404);
    expect(upstream.requests.length).toBe(before);
    // An encoded character that is not a separator still goes through, encoded as sent.
    expect((await platform.call('PUT', '/api/echo/items/a%2Cb', { json: { name: 'x' } })).status).toBe(207);
    expect(upstream.last().url).toBe('/base/items/a%2Cb');
  });

  it('streams a large response body through without buffering it', async () => {
    const res = await platform.call('GET', '/api/echo/large');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-chunks')).toBe(String(LARGE_CHUNKS));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let total = 0;
    let reads = 0;
    let firstByte: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      firstByte ??= value[0];
      total += value.byteLength;
      reads += 1;
    }
    expect(total).toBe(LARGE_CHUNK * LARGE_CHUNKS);
    expect(firstByte).toBe(1);
    // Arrived in many pieces: a buffered body would come as one.
    expect(reads).toBeGreaterThan(10);
  });

  it('puts each upstream auth kind on the request: API key in query, bearer, basic', async () => {
    expect((await platform.call('GET', '/api/echo-query/large')).status).toBe(200);
    expect(upstream.last().url).toBe(`/base/large?api_key=${SECRETS.ECHO_PARTNER_KEY}`);
    await platform.call('PUT', '/api/echo-query/items/1?q=2', { json: { name: 'n' } });
    expect(upstream.last().url).toBe(`/base/items/1?q=2&api_key=${SECRETS.ECHO_PARTNER_KEY}`);

    await platform.call('PUT', '/api/echo-bearer/items/1', { json: { name: 'n' } });
    expect(upstream.last().headers.authorization).toBe(`Bearer ${SECRETS.ECHO_BEARER}`);

    await platform.call('PUT', '/api/echo-basic/items/1', { json: { name: 'n' } });
    expect(upstream.last().headers.authorization).toBe(`Basic ${Buffer.from(`partner:${SECRETS.ECHO_PASSWORD}`).toString('base64')}`);
  });

  it('fetches an OAuth2 client-credentials token once, reuses it, and fetches a new one when it is refused', async () => {
    const first = await platform.call('GET', '/api/echo-oauth/oauth/thing');
    expect(first.status).toBe(207);
    expect(await platform.call('GET', '/api/echo-oauth/oauth/thing').then((r) => r.status)).toBe(207);
    expect(upstream.tokenRequests).toHaveLength(1);
    const [token] = upstream.tokenRequests;
    expect(token.authorization).toBe(`Basic ${Buffer.from(`switchboard:${SECRETS.ECHO_CLIENT_SECRET}`).toString('base64')}`);
    expect(new URLSearchParams(token.body).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(token.body).get('scope')).toBe('read write');
    expect(upstream.last().headers.authorization).toBe('Bearer tok-1');

    // The partner revokes the token: that call fails as the partner answered, the next one gets a fresh token.
    upstream.validTokens.clear();
    expect((await platform.call('GET', '/api/echo-oauth/oauth/thing')).status).toBe(401);
    expect((await platform.call('GET', '/api/echo-oauth/oauth/thing')).status).toBe(207);
    expect(upstream.tokenRequests).toHaveLength(2);
    expect(upstream.last().headers.authorization).toBe('Bearer tok-2');
  });

  it('answers 502 problem+json when the upstream cannot be reached', async () => {
    const res = await platform.call('GET', '/api/echo-down/large');
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).code).toBe('UPSTREAM_UNREACHABLE');
  });

  it('answers 504 problem+json when the upstream is slower than the asset’s timeout', async () => {
    const started = performance.now();
    const res = await platform.call('GET', '/api/echo-slow/large', { headers: { 'x-echo-delay': '2000' } });
    expect(res.status).toBe(504);
    expect((await res.json()).code).toBe('UPSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('wants an app key (401), answers 503 while disabled, and is metered per operation', async () => {
    const anonymous = await platform.call('GET', '/api/echo/large', { as: 'anonymous' });
    expect(anonymous.status).toBe(401);
    const before = upstream.requests.length;

    const off = await admin('PUT', '/assets/echo/state', { enabled: false });
    expect(off.status).toBe(200);
    const disabled = await platform.call('GET', '/api/echo/large');
    expect(disabled.status).toBe(503);
    expect((await disabled.json()).code).toBe('ASSET_DISABLED');
    expect(upstream.requests.length).toBe(before);
    await admin('PUT', '/assets/echo/state', { enabled: true });

    const record = vi.spyOn(meter(), 'record');
    await (await platform.call('PUT', '/api/echo/items/1', { json: { name: 'metered' } })).arrayBuffer();
    expect(record).toHaveBeenCalledWith(platform.testApp?.appId, 'echo', 'putItem', 207);
    record.mockRestore();
    await platform.access?.meter.flush();
    const usage = await admin('GET', `/usage?appId=${platform.testApp?.appId}&granularity=day`);
    const echoOps = usage.body.items.filter((i: { assetId?: string; operationId: string }) => i.operationId === 'putItem');
    expect(echoOps.length).toBeGreaterThan(0);
  });

  it('keeps the upstream and its secrets out of /openapi.json and the logs', async () => {
    const doc = await (await platform.call('GET', '/openapi.json', { as: 'anonymous' })).text();
    expect(doc).toContain('"echo.putItem"');
    expect(doc).toContain('"echo.postItemsByItemIdRaw"');
    expect(doc).not.toContain('upstream');
    expect(doc).not.toContain(upstream.url);
    // The vendor's own scheme is the platform's business: callers present an app key only.
    expect(doc).not.toContain('echo.partnerKey');
    const logs = JSON.stringify(platform.logs);
    for (const secret of Object.values(SECRETS)) {
      expect(doc).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});

describe('a partner asset over real HTTP', () => {
  let server: ReturnType<typeof serve>;
  let base: string;
  const auth = () => ({ authorization: `Bearer ${platform.testApp?.key}` });
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: platform.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('forwards a chunked binary body byte for byte', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7f]);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 2));
        controller.enqueue(bytes.subarray(2));
        controller.close();
      },
    });
    const res = await fetch(`${base}/api/echo/items/5/raw?x=1`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(207);
    expect(upstream.last().url).toBe('/base/items/5/raw?x=1');
    expect(upstream.last().body.equals(bytes)).toBe(true);
  });

  it('streams a large response to the client intact', async () => {
    const res = await fetch(`${base}/api/echo/large`, { headers: auth() });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.byteLength).toBe(LARGE_CHUNK * LARGE_CHUNKS);
    expect(body[0]).toBe(1);
    expect(body[LARGE_CHUNK * LARGE_CHUNKS - 1]).toBe(LARGE_CHUNKS % 251);
  });
});
