/**
 * A disabled asset is gone for everyone: its public operations (no key to check) answer 503 ASSET_DISABLED too, and
 * it leaves the served OpenAPI document (so the docs page) until an operator enables it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: ['./docs/examples/notes', './test/bench/plugin/plugin.ts'] });
  expect(platform.loadErrors).toEqual([]);
});
afterAll(async () => {
  await platform?.close();
});

const setBench = async (enabled: boolean) => {
  const res = await platform.call('PUT', '/admin/v1/assets/bench/state', { as: 'admin', json: { enabled } });
  expect(res.status).toBe(200);
};
const paths = async () => Object.keys((await (await platform.call('GET', '/openapi.json', { as: 'anonymous' })).json()).paths);

describe('a disabled asset', () => {
  it('answers its public operations with 503 ASSET_DISABLED and Retry-After, and serves them again once enabled', async () => {
    expect((await platform.call('GET', '/api/bench/items/7', { as: 'anonymous' })).status).toBe(200);
    await setBench(false);
    const off = await platform.call('GET', '/api/bench/items/7', { as: 'anonymous' });
    expect(off.status).toBe(503);
    expect(off.headers.get('retry-after')).toBe('30');
    expect((await off.json()).code).toBe('ASSET_DISABLED');
    const post = await platform.call('POST', '/api/bench/items', { as: 'anonymous', json: { name: 'x' } });
    expect(post.status).toBe(503);
    await setBench(true);
    expect((await platform.call('GET', '/api/bench/items/7', { as: 'anonymous' })).status).toBe(200);
  });

  it('leaves /openapi.json while off, and the other assets stay in it', async () => {
    expect(await paths()).toEqual(expect.arrayContaining(['/api/bench/items/{id}', '/api/notes/notes']));
    await setBench(false);
    const off = await paths();
    expect(off.some((p) => p.startsWith('/api/bench'))).toBe(false);
    expect(off).toContain('/api/notes/notes');
    await setBench(true);
    expect(await paths()).toContain('/api/bench/items/{id}');
  });
});
