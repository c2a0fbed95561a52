/**
 * `/readyz` names each check: the database, the queue's broker connection (RabbitMQ), every loaded asset (its
 * `ready` hook), and plugins that failed to load. A replica is ready only when every check says ok; the broker check
 * follows a broker outage (a TCP proxy cut, harmless to the machine's RabbitMQ) and recovers by itself.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/src/testing/index.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from '../background/rabbit.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

interface Ready {
  status: string;
  checks: Record<string, string>;
}

const readyz = async (platform: { call(m: string, p: string, i?: object): Promise<Response> }) => {
  const res = await platform.call('GET', '/readyz', { as: 'anonymous' });
  return { status: res.status, body: (await res.json()) as Ready };
};

describe('/readyz', () => {
  it('asks each asset, and says which one is not ready and why', async () => {
    const platform = await startTestPlatform({ plugins: ['./docs/examples/notes', './test/background/fixtures/bgtest'] });
    try {
      const ready = await readyz(platform);
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ database: 'ok', 'asset:notes': 'ok', 'asset:bgtest': 'ok' });
      process.env.BGTEST_NOT_READY = 'warming the cache';
      const notReady = await readyz(platform);
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ status: 'not ready', checks: { 'asset:bgtest': 'warming the cache', 'asset:notes': 'ok' } });
    } finally {
      delete process.env.BGTEST_NOT_READY;
      await platform.close();
    }
  });

  it('is not ready when a configured plugin failed to load, without naming files', async () => {
    const platform = await startTestPlatform({ plugins: ['./docs/examples/notes', './test/fixtures/broken/no-such-plugin'] });
    try {
      expect(platform.loadErrors.length).toBe(1);
      const ready = await readyz(platform);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.plugins).toBe('1 failed to load (see the log)');
      expect(JSON.stringify(ready.body)).not.toContain('/test/fixtures');
    } finally {
      await platform.close();
    }
  });
});

const rabbitWhy = await rabbitUnavailable('readyz broker check');

describe.skipIf(rabbitWhy !== null)('/readyz and the message broker', () => {
  const suffix = `r${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await deleteQueues(suffix).catch(() => undefined);
  });

  it('says the broker is unreachable while it is, and ready again once it is back', async () => {
    const target = new URL(AMQP_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
    const viaProxy = new URL(AMQP_URL);
    viaProxy.port = String(proxy.port);
    process.env.BGTEST_QUEUE_SUFFIX = suffix;
    const platform = await startTestPlatform({
      plugins: ['./test/background/fixtures/bgtest'],
      overrides: { queueAdapter: 'rabbitmq', amqpUrl: viaProxy.toString() },
    });
    try {
      expect((await readyz(platform)).body.checks.queue).toBe('ok');
      await proxy.cut();
      let down: Awaited<ReturnType<typeof readyz>> | undefined;
      for (let i = 0; i < 50 && down?.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        down = await readyz(platform);
      }
      expect(down?.status).toBe(503);
      expect(down?.body.checks).toMatchObject({ queue: 'broker unreachable', database: 'ok' });
      await proxy.restore();
      const started = Date.now();
      let back: Awaited<ReturnType<typeof readyz>> | undefined;
      while (Date.now() - started < 15_000 && back?.status !== 200) {
        await new Promise((r) => setTimeout(r, 100));
        back = await readyz(platform);
      }
      console.log(`[readyz] ready again ${Date.now() - started} ms after the broker came back`);
      expect(back?.status).toBe(200);
      expect(back?.body.checks.queue).toBe('ok');
    } finally {
      delete process.env.BGTEST_QUEUE_SUFFIX;
      await platform.close();
      await proxy.close();
    }
  }, 60_000);
});
