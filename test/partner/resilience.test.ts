/**
 * A partner asset against upstreams that fail: retries of idempotent calls only (counted on the upstream), Retry-After
 * honoured within its cap, the circuit breaker (open → half-open single probe → closed), request and response size
 * limits, and the upstream host allowlist at load and at connect time (DNS answers).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/src/config/load-config.js';
import { hostGuard, isPublicAddress } from '../../core/src/partners/host-guard.js';
import { loadPartners } from '../../core/src/partners/index.js';
import { retryAfterMs } from '../../core/src/partners/proxy.js';
import { newClaims } from '../../core/src/plugins/prepare-plugin.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { type FaultUpstream, startFaultUpstream } from './fault-upstream.js';

const any = { description: 'whatever the upstream answers' };
const body = { content: { 'application/json': { schema: { type: 'object' } } } };

/** One templated path with every method: what the upstream does is in the last segment (see fault-upstream.ts). */
const faultDocument = (block: Record<string, unknown>) => ({
  openapi: '3.0.3',
  info: { title: 'Faults', version: '1.0.0' },
  'x-switchboard': block,
  paths: {
    '/r/{what}': {
      parameters: [{ name: 'what', in: 'path', required: true, schema: { type: 'string' } }],
      get: { operationId: 'getR', responses: { default: any } },
      delete: { operationId: 'deleteR', responses: { default: any } },
      put: { operationId: 'putR', requestBody: body, responses: { default: any } },
      post: { operationId: 'postR', requestBody: body, responses: { default: any } },
      patch: { operationId: 'patchR', requestBody: body, responses: { default: any } },
    },
  },
});

/** A port nothing listens on: a refused connection. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as unknown as Logger;

let upstream: FaultUpstream;
let platform: TestPlatform;
let refusedPort: number;

beforeAll(async () => {
  upstream = await startFaultUpstream();
  refusedPort = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'partners-faults-'));
  const write = (id: string, up: Record<string, unknown>) =>
    writeFileSync(join(dir, `${id}.json`), JSON.stringify(faultDocument({ id, upstream: { timeoutMs: 2000, ...up } })));
  const quickRetries = { max: 2, backoffMs: 10, maxDelayMs: 1500 };
  const noBreaker = { failures: 1000, openMs: 1000 };
  write('retrying', { baseUrl: `${upstream.url}/retrying`, retries: quickRetries, circuitBreaker: noBreaker });
  write('refused', { baseUrl: `http://127.0.0.1:${refusedPort}`, retries: quickRetries, circuitBreaker: noBreaker });
  write('slow', { baseUrl: `${upstream.url}/slow`, timeoutMs: 100, retries: { max: 1, backoffMs: 10 }, circuitBreaker: noBreaker });
  write('breaker', { baseUrl: `${upstream.url}/breaker`, retries: { max: 0 }, circuitBreaker: { failures: 3, openMs: 400 } });
  write('limited', { baseUrl: `${upstream.url}/limited`, limits: { requestBytes: 100, responseBytes: 1000 } });
  // A host name, not an address: only the DNS answer (127.0.0.1, ::1) says where it goes.
  write('by-name', { baseUrl: `http://localhost:${upstream.port}/by-name` });
  platform = await startTestPlatform({
    plugins: [],
    overrides: { partnersDir: dir, logLevel: 'debug', partnerAllowedHosts: ['127.0.0.1'] },
  });
});

afterAll(async () => {
  await platform?.close();
  await upstream?.close();
});

const attemptsLogged = (asset: string) => platform.logs.filter((l) => l.asset === asset && l.msg === 'upstream call failed').length;

/** One series of `/metrics` (labels in any order), or undefined. */
const metric = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const text = await (await platform.call('GET', '/metrics', { as: 'anonymous' })).text();
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
};

describe('retries', () => {
  it('retries a GET on 503 until it succeeds, and the caller sees only the success', async () => {
    const res = await platform.call('GET', '/api/retrying/r/flaky-2');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hit: 3 });
    expect(upstream.hitsOf('/retrying/r/flaky-2')).toBe(3);
  });

  it('never retries a POST or a PATCH: one upstream hit, the upstream’s 503 handed back', async () => {
    const post = await platform.call('POST', '/api/retrying/r/flaky-5', { json: {} });
    expect(post.status).toBe(503);
    expect(upstream.hitsOf('/retrying/r/flaky-5')).toBe(1);
    const patch = await platform.call('PATCH', '/api/retrying/r/flaky-6', { json: {} });
    expect(patch.status).toBe(503);
    expect(upstream.hitsOf('/retrying/r/flaky-6')).toBe(1);
  });

  it('retries PUT and DELETE (idempotent), with the same body each time, up to max', async () => {
    const put = await platform.call('PUT', '/api/retrying/r/flaky-1', { json: { a: 1 } });
    expect(put.status).toBe(200);
    expect(upstream.hitsOf('/retrying/r/flaky-1')).toBe(2);
    const del = await platform.call('DELETE', '/api/retrying/r/flaky-9');
    expect(del.status).toBe(503); // 1 + 2 retries, all 503: the last answer goes back as it is
    expect(upstream.hitsOf('/retrying/r/flaky-9')).toBe(3);
  });

  it('honours Retry-After within the cap, and hands a longer one back without retrying', async () => {
    const started = performance.now();
    const short = await platform.call('GET', '/api/retrying/r/unavailable-1');
    expect(short.status).toBe(503);
    expect(upstream.hitsOf('/retrying/r/unavailable-1')).toBe(3); // waited 1 s twice (cap 1.5 s)
    expect(performance.now() - started).toBeGreaterThan(1900);

    const long = await platform.call('GET', '/api/retrying/r/unavailable-30');
    expect(long.status).toBe(503);
    expect(long.headers.get('retry-after')).toBe('30');
    expect(upstream.hitsOf('/retrying/r/unavailable-30')).toBe(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:02 GMT', now)).toBe(2000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('retries a GET whose connection is refused, not a POST; then answers 502 UPSTREAM_UNREACHABLE', async () => {
    const before = attemptsLogged('refused');
    const get = await platform.call('GET', '/api/refused/r/ok');
    expect(get.status).toBe(502);
    expect(get.headers.get('content-type')).toContain('application/problem+json');
    expect((await get.json()).code).toBe('UPSTREAM_UNREACHABLE');
    expect(attemptsLogged('refused') - before).toBe(3);
    const post = await platform.call('POST', '/api/refused/r/ok', { json: {} });
    expect(post.status).toBe(502);
    expect(attemptsLogged('refused') - before).toBe(4);
    // The same on /metrics: four attempts that could not connect, two of them retries.
    expect(await metric('switchboard_partner_upstream_attempts_total', { asset: 'refused', outcome: 'unreachable' })).toBe(4);
    expect(await metric('switchboard_partner_upstream_retries_total', { asset: 'refused' })).toBe(2);
  });

  it('retries a GET that timed out, not a POST; then answers 504 UPSTREAM_TIMEOUT', async () => {
    const get = await platform.call('GET', '/api/slow/r/slow-1000');
    expect(get.status).toBe(504);
    expect((await get.json()).code).toBe('UPSTREAM_TIMEOUT');
    expect(upstream.hitsOf('/slow/r/slow-1000')).toBe(2);
    const post = await platform.call('POST', '/api/slow/r/slow-1001', { json: {} });
    expect(post.status).toBe(504);
    expect(upstream.hitsOf('/slow/r/slow-1001')).toBe(1);
  });
});

describe('the circuit breaker', () => {
  it('opens after consecutive failures, answers 503 UPSTREAM_UNAVAILABLE without calling, lets one probe through, closes', async () => {
    upstream.failing = true;
    for (let i = 0; i < 3; i++) expect((await platform.call('GET', '/api/breaker/r/switch')).status).toBe(503);
    expect(upstream.hitsOf('/breaker/r/switch')).toBe(3);

    const open = await platform.call('GET', '/api/breaker/r/switch');
    expect(open.status).toBe(503);
    expect(open.headers.get('content-type')).toContain('application/problem+json');
    expect((await open.json()).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(upstream.hitsOf('/breaker/r/switch')).toBe(3); // not called while open
    // /metrics tells: the circuit is open (2), one call was refused by it, three attempts answered 5xx.
    expect(await metric('switchboard_partner_circuit_state', { asset: 'breaker' })).toBe(2);
    expect(await metric('switchboard_partner_circuit_rejections_total', { asset: 'breaker' })).toBe(1);
    expect(await metric('switchboard_partner_upstream_attempts_total', { asset: 'breaker', outcome: '5xx' })).toBe(3);

    // After the cool-down, half-open: a single probe; it fails, so the breaker opens again.
    await new Promise((r) => setTimeout(r, 450));
    expect((await platform.call('GET', '/api/breaker/r/switch')).status).toBe(503);
    expect(upstream.hitsOf('/breaker/r/switch')).toBe(4);
    expect((await (await platform.call('GET', '/api/breaker/r/switch')).json()).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstream.hitsOf('/breaker/r/switch')).toBe(4);

    // The upstream recovers. Two calls arrive together when half-open: one probes, the other is still refused.
    upstream.failing = false;
    upstream.delayMs = 100;
    await new Promise((r) => setTimeout(r, 450));
    const [a, b] = await Promise.all([platform.call('GET', '/api/breaker/r/switch'), platform.call('GET', '/api/breaker/r/switch')]);
    expect([a.status, b.status].sort()).toEqual([200, 503]);
    expect(upstream.hitsOf('/breaker/r/switch')).toBe(5);

    // The probe succeeded: closed again, calls flow.
    upstream.delayMs = 0;
    expect((await platform.call('GET', '/api/breaker/r/switch')).status).toBe(200);
    expect((await platform.call('GET', '/api/breaker/r/switch')).status).toBe(200);
    expect(upstream.hitsOf('/breaker/r/switch')).toBe(7);
    expect(await metric('switchboard_partner_circuit_state', { asset: 'breaker' })).toBe(0);
    expect(await metric('switchboard_partner_upstream_attempts_total', { asset: 'breaker', outcome: '2xx' })).toBe(3);
    expect(await metric('switchboard_partner_upstream_seconds_count', { asset: 'breaker' })).toBe(7);
  });
});

describe('size limits', () => {
  it('refuses a request body over limits.requestBytes with 413, before the upstream', async () => {
    const res = await platform.call('PUT', '/api/limited/r/ok', { json: { pad: 'x'.repeat(200) } });
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe('PAYLOAD_TOO_LARGE');
    expect(upstream.hitsOf('/limited/r/ok')).toBe(0);
    expect((await platform.call('PUT', '/api/limited/r/ok', { json: { pad: 'x' } })).status).toBe(200);
  });

  it('answers 502 UPSTREAM_RESPONSE_TOO_LARGE when the Content-Length is over limits.responseBytes', async () => {
    const res = await platform.call('GET', '/api/limited/r/big-5000');
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()).code).toBe('UPSTREAM_RESPONSE_TOO_LARGE');
    const fits = await platform.call('GET', '/api/limited/r/big-1000');
    expect((await fits.arrayBuffer()).byteLength).toBe(1000);
  });

  it('passes a body without length under the limit, and cuts an endless one at the limit', async () => {
    const small = await platform.call('GET', '/api/limited/r/chunked-900');
    expect((await small.arrayBuffer()).byteLength).toBe(900);

    const endless = await platform.call('GET', '/api/limited/r/endless');
    expect(endless.status).toBe(200);
    const reader = (endless.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    const outcome = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return 'ended';
          received += value.byteLength;
        }
      } catch {
        return 'cut';
      }
    })();
    expect(outcome).toBe('cut');
    expect(received).toBeLessThanOrEqual(1000);
    await expect.poll(() => upstream.endlessClosed).toBe(1); // the upstream connection is closed too
  });
});

describe('the upstream host allowlist', () => {
  it('knows private, loopback, link-local and other non-public addresses, mapped IPv6 forms included', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      '2001:db8::1',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect(isPublicAddress(ip), ip).toBe(true);
    }
    const guard = hostGuard(['10.0.0.0/8', 'fd00::/8', 'partner.internal']);
    expect(guard.refusal('10.9.9.9')).toBeUndefined();
    expect(guard.refusal('[fd00::5]')).toBeUndefined();
    expect(guard.refusal('[::ffff:7f00:1]')).toMatch(/PARTNER_ALLOWED_HOSTS/);
    expect(guard.refusal('172.16.0.1')).toMatch(/non-public/);
    expect(guard.refusal('example.com')).toBeUndefined(); // names are judged by their DNS answers, at connect time
  });

  it('refuses a literal non-public baseUrl or tokenUrl at load, with its pointer, unless allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partners-allow-'));
    const files: Record<string, Record<string, unknown>> = {
      'a-loopback.json': { baseUrl: 'http://127.0.0.1:8080' },
      'b-metadata.json': { baseUrl: 'http://169.254.169.254/latest' },
      'c-mapped.json': { baseUrl: 'http://[::ffff:127.0.0.1]/' },
      'd-zero.json': { baseUrl: 'http://0.0.0.0:80' },
      'e-token.json': {
        baseUrl: 'https://api.example.com',
        auth: { type: 'oauth2ClientCredentials', tokenUrl: 'http://10.0.0.5/token', clientId: 'c', clientSecret: 's' },
      },
      'f-public.json': { baseUrl: 'https://api.example.com' },
    };
    for (const [name, up] of Object.entries(files)) {
      const id = name.slice(2, -5);
      writeFileSync(join(dir, name), JSON.stringify(faultDocument({ id, upstream: up })));
    }
    const prepare = { rootDir: dir, pluginConfig: {}, configSources: {}, compileResponses: false };
    const load = (allowedHosts: string[]) =>
      loadPartners({ dir, claims: newClaims(), prepare, log: silent, env: {}, defaultTimeoutMs: 1000, allowedHosts });

    const refused = await load([]);
    expect(refused.prepared.map((p) => p.meta.id)).toEqual(['public']);
    expect(refused.errors.map(({ file, error }) => [file.split('/').pop(), error.code, error.pointer])).toEqual([
      ['a-loopback.json', 'UPSTREAM_NOT_ALLOWED', '/x-switchboard/upstream/baseUrl'],
      ['b-metadata.json', 'UPSTREAM_NOT_ALLOWED', '/x-switchboard/upstream/baseUrl'],
      ['c-mapped.json', 'UPSTREAM_NOT_ALLOWED', '/x-switchboard/upstream/baseUrl'],
      ['d-zero.json', 'UPSTREAM_NOT_ALLOWED', '/x-switchboard/upstream/baseUrl'],
      ['e-token.json', 'UPSTREAM_NOT_ALLOWED', '/x-switchboard/upstream/auth/tokenUrl'],
    ]);

    const allowed = await load(['127.0.0.1', '10.0.0.0/8']);
    // ::ffff:127.0.0.1 is 127.0.0.1: allowed with it. The metadata address and 0.0.0.0 stay refused.
    expect(allowed.prepared.map((p) => p.meta.id).sort()).toEqual(['loopback', 'mapped', 'public', 'token']);
    expect(allowed.errors.map((e) => e.file.split('/').pop())).toEqual(['b-metadata.json', 'd-zero.json']);
  });

  it('reaches a host name whose DNS answer is allowed (localhost → 127.0.0.1)', async () => {
    const res = await platform.call('GET', '/api/by-name/r/ok');
    expect(res.status).toBe(200);
    expect(upstream.hitsOf('/by-name/r/ok')).toBe(1);
  });

  it('reads PARTNER_ALLOWED_HOSTS: loopback by default in development only, entries checked', () => {
    expect(loadConfig({ NODE_ENV: 'development' }, '/srv').partnerAllowedHosts).toEqual(['localhost', '127.0.0.0/8', '::1']);
    expect(loadConfig({ NODE_ENV: 'production' }, '/srv').partnerAllowedHosts).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test' }, '/srv').partnerAllowedHosts).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development', PARTNER_ALLOWED_HOSTS: '' }, '/srv').partnerAllowedHosts).toEqual([]);
    expect(
      loadConfig({ NODE_ENV: 'production', PARTNER_ALLOWED_HOSTS: 'orders.internal, 10.0.0.0/8,[fd00::1]' }, '/srv').partnerAllowedHosts,
    ).toEqual(['orders.internal', '10.0.0.0/8', '[fd00::1]']);
    expect(() => loadConfig({ NODE_ENV: 'test', PARTNER_ALLOWED_HOSTS: '10.0.0.0/33' }, '/srv')).toThrow(/PARTNER_ALLOWED_HOSTS/);
    expect(() => loadConfig({ NODE_ENV: 'test', PARTNER_ALLOWED_HOSTS: 'http://x' }, '/srv')).toThrow(/PARTNER_ALLOWED_HOSTS/);
  });

  describe('without an allowlist', () => {
    let strict: TestPlatform;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'partners-strict-'));
      const doc = (id: string, up: Record<string, unknown>) =>
        writeFileSync(join(dir, `${id}.json`), JSON.stringify(faultDocument({ id, upstream: up })));
      doc('named', { baseUrl: `http://localhost:${upstream.port}/named` });
      doc('oauth', {
        baseUrl: 'https://api.example.com',
        auth: { type: 'oauth2ClientCredentials', tokenUrl: `http://localhost:${upstream.port}/token`, clientId: 'c', clientSecret: 's' },
      });
      doc('literal', { baseUrl: `${upstream.url}/literal` });
      strict = await startTestPlatform({ plugins: [], overrides: { partnersDir: dir } });
    });
    afterAll(() => strict?.close());

    it('refuses at load an upstream at a literal loopback address', () => {
      expect(strict.plugins.map((p) => p.prepared.meta.id).sort()).toEqual(['named', 'oauth']);
      expect(strict.loadErrors.map((e) => [e.code, e.pointer])).toEqual([['UPSTREAM_NOT_ALLOWED', '/x-switchboard/upstream/baseUrl']]);
    });

    it('refuses at connect time a host name that resolves to loopback: 502 UPSTREAM_NOT_ALLOWED, nothing sent', async () => {
      const res = await strict.call('GET', '/api/named/r/ok');
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((await res.json()).code).toBe('UPSTREAM_NOT_ALLOWED');
      expect(upstream.hitsOf('/named/r/ok')).toBe(0);
    });

    it('holds the OAuth2 token URL to the same rule', async () => {
      const res = await strict.call('GET', '/api/oauth/r/ok');
      expect(res.status).toBe(502);
      expect((await res.json()).code).toBe('UPSTREAM_NOT_ALLOWED');
      expect(upstream.hitsOf('/token')).toBe(0);
    });
  });
});
