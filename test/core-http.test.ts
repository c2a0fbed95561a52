/**
 * What a client of any asset sees from the core: routing, validation with JSON pointers, problem+json for every
 * error, request ids, redacted logs, response validation, outbound HTTP, events, the merged document and the docs.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDocument } from '../core/src/openapi/validate-document.js';
import { startTestPlatform, type TestPlatform } from '../core/src/testing/index.js';

const PLUGINS = ['./docs/examples/notes', './test/fixtures/plugins/hello'];

let platform: TestPlatform;
let upstream: Server;
let upstreamUrl: string;
let lastUpstreamHeaders: IncomingHttpHeaders = {};

beforeAll(async () => {
  upstream = createServer((req, res) => {
    lastUpstreamHeaders = req.headers;
    if (req.url === '/slow') {
      setTimeout(() => res.end('{}'), 2000);
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ upstream: true, path: req.url }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  platform = await startTestPlatform({
    plugins: PLUGINS,
    pluginConfig: { hello: { upstreamToken: 'sekrit-upstream-token' } },
    overrides: { bodyLimitBytes: 4096 },
  });
  expect(platform.loadErrors).toEqual([]);
});

afterAll(async () => {
  await platform?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

const problem = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await res.json();
  expect(body).toMatchObject({ status, code, type: expect.stringContaining('urn:switchboard:problem:'), title: expect.any(String) });
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  expect(body.requestId).toMatch(/^[\w-]{8,}$/);
  return body;
};

describe('routing', () => {
  it('serves each operation under its asset’s base path', async () => {
    const res = await platform.call('GET', '/hello-api/greet/world');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: 'Hello, world' });
  });

  it('answers an unknown path with 404 problem+json', async () => {
    const body = await problem(await platform.call('GET', '/nowhere'), 404, 'NOT_FOUND');
    expect(body.instance).toBe('/nowhere');
  });

  it('answers a known path with a wrong method with 405 and Allow', async () => {
    const res = await platform.call('DELETE', '/hello-api/echo');
    await problem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('keeps a request id the client sent', async () => {
    const res = await platform.call('GET', '/nowhere', { headers: { 'x-request-id': 'client-chosen-id-1' } });
    expect((await res.json()).requestId).toBe('client-chosen-id-1');
  });
});

describe('validation', () => {
  it('coerces and checks query parameters', async () => {
    expect(await (await platform.call('GET', '/hello-api/greet/world?shout=true')).json()).toEqual({ text: 'HELLO, WORLD' });
    const body = await problem(await platform.call('GET', '/hello-api/greet/world?shout=maybe'), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([{ pointer: '/query/shout', message: 'must be boolean' }]);
  });

  it('checks path parameters and headers, reporting every failing pointer', async () => {
    const res = await platform.call('GET', '/hello-api/greet/w', { headers: { 'x-trace': 'NOT-HEX' } });
    const body = await problem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/headers/x-trace', '/path/name']);
  });

  it('passes declared headers to the handler', async () => {
    const res = await platform.call('GET', '/hello-api/greet/world', { headers: { 'X-Trace': 'abc123' } });
    expect(await res.json()).toEqual({ text: 'Hello, world', trace: 'abc123' });
  });

  it('checks the JSON body against the schema and lists every problem', async () => {
    const res = await platform.call('POST', '/hello-api/echo', { json: { message: 'x'.repeat(51), extra: 1, when: 'yesterday' } });
    const body = await problem(res, 400, 'VALIDATION_FAILED');
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(['/body/count', '/body/extra', '/body/message', '/body/when']);
  });

  it('accepts a valid body, including 3.1 nullable types', async () => {
    const sent = { message: 'hi', count: 2, when: '2026-11-25T10:00:00Z', note: null };
    const res = await platform.call('POST', '/hello-api/echo', { json: sent });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(sent);
  });

  it('rejects malformed JSON with 400 MALFORMED_JSON', async () => {
    await problem(
      await platform.call('POST', '/hello-api/echo', { body: '{"message": ', headers: { 'content-type': 'application/json' } }),
      400,
      'MALFORMED_JSON',
    );
  });

  it('rejects a missing required body', async () => {
    const body = await problem(
      await platform.call('POST', '/hello-api/echo', { headers: { 'content-type': 'application/json' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.errors).toEqual([{ pointer: '/body', message: 'is required' }]);
  });

  it('rejects an undeclared media type with 415', async () => {
    const body = await problem(
      await platform.call('POST', '/hello-api/echo', {
        body: 'message=hi',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(body.accepted).toEqual(['application/json']);
  });

  it('rejects a body over the limit with 413', async () => {
    const res = await platform.call('POST', '/hello-api/echo', { json: { message: 'x', count: 1, note: 'y'.repeat(5000) } });
    const body = await problem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(body.limit).toBe(4096);
  });
});

describe('over real HTTP', () => {
  const auth = () => ({ authorization: `Bearer ${platform.testApp?.key}` });
  let server: ReturnType<typeof serve>;
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: platform.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('treats a POST without a body as no body: optional reaches the handler, required is a 400', async () => {
    const optional = await fetch(`${base}/hello-api/optional-body`, { method: 'POST', headers: auth() });
    expect(optional.status).toBe(200);
    expect(await optional.json()).toEqual({ got: null });
    const required = await fetch(`${base}/hello-api/echo`, { method: 'POST', headers: auth() });
    expect(required.status).toBe(400);
    expect((await required.json()).errors).toEqual([{ pointer: '/body', message: 'is required' }]);
  });

  it('reads a chunked JSON body', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"n":'));
        controller.enqueue(new TextEncoder().encode('7}'));
        controller.close();
      },
    });
    const res = await fetch(`${base}/hello-api/optional-body`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json', ...auth() },
      duplex: 'half',
    } as RequestInit);
    expect(await res.json()).toEqual({ got: { n: 7 } });
  });

  it('rejects a body over the limit with 413, whether Content-Length announces it or it arrives chunked', async () => {
    const big = JSON.stringify({ message: 'x', count: 1, note: 'y'.repeat(5000) });
    const announced = await fetch(`${base}/hello-api/echo`, {
      method: 'POST',
      body: big,
      headers: { 'content-type': 'application/json', ...auth() },
    });
    expect(announced.status).toBe(413);
    expect((await announced.json()).code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await fetch(`${base}/hello-api/echo`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 1100, (i + 1) * 1100)));
          controller.close();
        },
      }),
      headers: { 'content-type': 'application/json', ...auth() },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(chunked.headers.get('content-type')).toBe('application/problem+json');
  });

  it('puts the request id on every answer over the wire: success, problem, 404 and the plain routes', async () => {
    const ok = await fetch(`${base}/hello-api/greet/world`, { headers: auth() });
    const mine = await fetch(`${base}/hello-api/greet/world`, { headers: { 'x-request-id': 'trace-123', ...auth() } });
    const bad = await fetch(`${base}/hello-api/greet/x`, { headers: auth() });
    const missing = await fetch(`${base}/nowhere`);
    const health = await fetch(`${base}/healthz`);
    for (const res of [ok, bad, missing, health]) expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Each a different one (a per-process prefix and a counter).
    expect(new Set([ok, bad, missing, health].map((r) => r.headers.get('x-request-id'))).size).toBe(4);
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const unusable = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'no spaces allowed' } });
    expect(unusable.headers.get('x-request-id')).not.toBe('no spaces allowed');
  });

  it('passes declared headers, keyed lower-case like the generated types, whatever their case on the wire and in the manifest', async () => {
    const res = await fetch(`${base}/hello-api/greet/world`, { headers: { 'x-TRACE': 'beef', ...auth() } });
    expect(await res.json()).toEqual({ text: 'Hello, world', trace: 'beef' });
  });
});

describe('errors and logs', () => {
  it('answers 504 HANDLER_TIMEOUT when a handler outlives the operation’s timeoutMs', async () => {
    const body = await problem(await platform.call('GET', '/hello-api/slow'), 504, 'HANDLER_TIMEOUT');
    expect(body.detail).toContain('50 ms');
  });

  it('turns an unexpected error into a 500 that reveals nothing, and logs the stack with the request id', async () => {
    const res = await platform.call('GET', '/hello-api/boom');
    const body = await problem(res, 500, 'INTERNAL_ERROR');
    const text = JSON.stringify(body);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('stack');
    expect(text).not.toContain('.ts');
    const line = platform.logs.find((l) => l.reqId === body.requestId);
    expect(line?.level).toBe(50);
    expect(JSON.stringify(line)).toContain('plugin.ts');
  });

  it('maps a domain error to its status with the plugin’s code', async () => {
    await problem(await platform.call('POST', '/hello-api/login', { json: { user: 'ann', password: 'wrong' } }), 401, 'BAD_CREDENTIALS');
  });

  it('redacts passwords and tokens in log lines, and tags a plugin’s lines with the request id', async () => {
    const res = await platform.call('POST', '/hello-api/login', { json: { user: 'bob', password: 'open sesame' } });
    expect(res.status).toBe(204);
    const line = platform.logs.find((l) => l.msg === 'login attempt' && l.user === 'bob');
    expect(line).toMatchObject({ asset: 'hello', password: '[redacted]', token: '[redacted]', reqId: res.headers.get('x-request-id') });
    expect(JSON.stringify(platform.logs)).not.toContain('open sesame');
  });

  it('fails loudly when a handler returns a shape its manifest does not declare (development and test)', async () => {
    const body = await problem(await platform.call('GET', '/hello-api/wrong-shape'), 500, 'RESPONSE_VALIDATION_FAILED');
    expect(body.detail).toContain('wrongShape');
    expect(body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/body/text', '/body/words']));
  });

  it('does not check responses in production by default', async () => {
    const prod = await startTestPlatform({ plugins: ['./test/fixtures/plugins/hello'], overrides: { responseValidation: false } });
    try {
      const res = await prod.call('GET', '/hello-api/wrong-shape');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ words: 'not a greeting' });
    } finally {
      await prod.close();
    }
  });
});

describe('plugin services', () => {
  it('gives the plugin its config slice with defaults applied', async () => {
    expect((await (await platform.call('GET', '/hello-api/greet/ann')).json()).text).toBe('Hello, ann');
  });

  it('calls upstreams through the HTTP client, with the plugin’s own credentials', async () => {
    const res = await platform.call('GET', `/hello-api/upstream?url=${encodeURIComponent(`${upstreamUrl}/x`)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ upstream: true, path: '/x' });
    expect(lastUpstreamHeaders.authorization).toBe('Bearer sekrit-upstream-token');
    expect(lastUpstreamHeaders['user-agent']).toMatch(/^switchboard\/\S+ \(hello\)$/);
  });

  it('maps an upstream timeout to 504 and an unreachable upstream to 502', async () => {
    await problem(
      await platform.call('GET', `/hello-api/upstream?timeoutMs=100&url=${encodeURIComponent(`${upstreamUrl}/slow`)}`),
      504,
      'UPSTREAM_TIMEOUT',
    );
    await problem(
      await platform.call('GET', `/hello-api/upstream?url=${encodeURIComponent('http://127.0.0.1:1/')}`),
      502,
      'UPSTREAM_ERROR',
    );
  });

  it('delivers events prefixed with the emitting asset’s id', async () => {
    await platform.call('GET', '/hello-api/greet/eve');
    expect(await (await platform.call('GET', '/hello-api/events/last')).json()).toEqual({
      type: 'hello.greeted',
      source: 'hello',
      payload: { name: 'eve' },
    });
  });

  it('ran the start hook with the plugin’s scoped logger', () => {
    expect(platform.logs.find((l) => l.msg === 'hello started')).toMatchObject({ asset: 'hello', basePath: '/hello-api' });
  });
});

describe('the merged document and the docs', () => {
  it('serves every asset’s operations in one valid OpenAPI 3.1 document', async () => {
    const res = await platform.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(validateDocument(doc)).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/notes/notes', '/api/notes/notes/{id}', '/hello-api/greet/{name}', '/hello-api/echo']),
    );
    expect(doc.tags.map((t: { name: string }) => t.name)).toEqual(['admin', 'developer', 'notes', 'hello']);
    expect(doc.paths['/api/notes/notes'].post.operationId).toBe('notes.createNote');
    expect(doc.paths['/api/notes/notes'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/notes.NewNote',
    );
    expect(doc.components.schemas['notes.NewNote']).toBeDefined();
    expect(doc.components.schemas['hello.Greeting']).toBeDefined();
    // The asset's own scheme, on top of the app key the platform checks.
    expect(doc.paths['/hello-api/echo'].post.security).toEqual([{ appKey: [], 'hello.bearer': [] }]);
    expect(doc.components.securitySchemes['hello.bearer']).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('serves an interactive reference from the npm package, with no CDN', async () => {
    const page = await platform.call('GET', '/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await platform.call('GET', '/docs/assets/swagger-ui-bundle.js');
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(100_000);
    expect((await platform.call('GET', '/docs/assets/init.js')).status).toBe(200);
  });

  it('answers health and readiness', async () => {
    expect(await (await platform.call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
    const ready = (await (await platform.call('GET', '/readyz')).json()) as { status: string; checks: Record<string, string> };
    expect(ready.status).toBe('ready');
    expect(ready.checks.database).toBe('ok');
    for (const p of platform.plugins) expect(ready.checks[`asset:${p.prepared.meta.id}`]).toBe('ok');
  });
});
