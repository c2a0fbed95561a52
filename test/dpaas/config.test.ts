/**
 * The dPaaS driver comes from the plugin's config slice: the simulator by default, CloudStack with an endpoint and
 * keys. A missing or refused credential fails clearly, and the secret key is never logged or returned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { type FakeCloudStack, startFakeCloudStack } from '../fakes/cloudstack/index.js';

describe('dpaas configuration', () => {
  let cs: FakeCloudStack;
  beforeAll(async () => {
    cs = await startFakeCloudStack({ jobDelayMs: 5 });
  });
  afterAll(async () => {
    await cs?.close();
  });

  const start = (config: unknown) =>
    startTestPlatform({ plugins: ['./plugins/dpaas'], pluginConfig: { dpaas: config as Record<string, unknown> } });
  const withPlatform = async (config: unknown, use: (p: TestPlatform) => Promise<void>) => {
    const p = await start(config);
    try {
      await use(p);
    } finally {
      await p.close();
    }
  };

  it('runs on the simulator when nothing is configured', async () => {
    await withPlatform({}, async (p) => {
      expect(p.loadErrors).toEqual([]);
      expect(p.logs.find((l) => l.msg === 'dpaas driver ready')).toMatchObject({ asset: 'dpaas', driver: 'simulator' });
      expect((await p.call('GET', '/dpaas/v1/zones')).status).toBe(200);
    });
  });

  it('talks to CloudStack with the configured keys, and the secret appears in no log line or document', async () => {
    await withPlatform(
      { driver: 'cloudstack', cloudstack: { endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: cs.secretKey } },
      async (p) => {
        expect(p.loadErrors).toEqual([]);
        expect(p.logs.find((l) => l.msg === 'dpaas driver ready')).toMatchObject({ driver: 'cloudstack', endpoint: cs.endpoint });
        cs.resetCalls();
        const zones = await p.call('GET', '/dpaas/v1/zones');
        expect(zones.status).toBe(200);
        expect(cs.callCount('listZones')).toBe(1);
        expect(JSON.stringify(p.logs)).not.toContain(cs.secretKey);
        expect(JSON.stringify(p.document)).not.toContain(cs.secretKey);
      },
    );
  });

  it('reports refused credentials as 502 PROVIDER_AUTH_FAILED without echoing them', async () => {
    const wrong = `wrong-${cs.secretKey.slice(0, 8)}-secret`;
    await withPlatform({ driver: 'cloudstack', cloudstack: { endpoint: cs.endpoint, apiKey: cs.apiKey, secretKey: wrong } }, async (p) => {
      const res = await p.call('GET', '/dpaas/v1/offerings');
      const text = await res.text();
      expect(res.status).toBe(502);
      expect(JSON.parse(text)).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', details: { reason: 'auth' } });
      expect(text).not.toContain(wrong);
      expect(JSON.stringify(p.logs)).not.toContain(wrong);
    });
  });

  it('leaves the plugin out with a clear error when the CloudStack settings are missing or malformed', async () => {
    await withPlatform({ driver: 'cloudstack' }, async (p) => {
      expect(p.loadErrors).toEqual([expect.objectContaining({ code: 'PLUGIN_START_FAILED' })]);
      expect(p.loadErrors[0].message).toMatch(/cloudstack \(endpoint, apiKey, secretKey\) is missing/);
    });
    await withPlatform({ driver: 'cloudstack', cloudstack: { endpoint: 'ftp://x', apiKey: 'a', secretKey: 's' } }, async (p) => {
      expect(p.loadErrors).toEqual([expect.objectContaining({ code: 'CONFIG_INVALID', pointer: '/config/dpaas/cloudstack/endpoint' })]);
      expect(JSON.stringify(p.loadErrors)).not.toContain('"s"');
    });
  });
});
