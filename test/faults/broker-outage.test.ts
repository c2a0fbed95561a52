/**
 * A broker outage under load (issue 9, faults), on the push asset: sends keep arriving while the replica's
 * connection to RabbitMQ goes through a TCP proxy that the test cuts for 4 s (the machine's broker keeps serving
 * the other tests). While it is gone, accepting a send stays fast and answers 202 (the send and its chunk outbox are
 * in the database; publishing fails fast and the release job publishes what is owed), `/readyz` says the broker is
 * unreachable; afterwards every accepted send is delivered to every recipient, without a restart.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { createRabbitVhost, rabbitUnavailable } from '../background/rabbit.js';
import { serviceAccountFor } from '../support/service-account.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const why = await rabbitUnavailable('broker outage');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(why !== null)('a broker outage under load', () => {
  let proxy: TcpProxy;
  let platform: TestPlatform;
  let vhost: Awaited<ReturnType<typeof createRabbitVhost>>;

  beforeAll(async () => {
    // Its own virtual host: the push queues have fixed names, which other runs on this broker use too.
    vhost = await createRabbitVhost('sb-outage');
    const target = new URL(vhost.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
    const viaProxy = new URL(vhost.url);
    viaProxy.port = String(proxy.port);
    platform = await startTestPlatform({
      plugins: ['./plugins/push'],
      pluginConfig: {
        push: { encryptionKey: randomBytes(32).toString('base64'), simulator: 'always', retryBaseMs: 100 },
      },
      overrides: { queueAdapter: 'rabbitmq', amqpUrl: viaProxy.toString(), drainMs: 2000 },
    });
    expect(platform.loadErrors).toEqual([]);
  });
  afterAll(async () => {
    await platform?.close();
    await proxy?.close();
    await vhost?.drop();
  });

  const call = async (method: string, path: string, json?: unknown, headers: Record<string, string> = {}) => {
    const started = performance.now();
    const res = await platform.call(method, `/api/push${path}`, { json, headers });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
  };

  it('accepts sends fast while the broker is away and delivers every one afterwards', async () => {
    const serviceAccount = serviceAccountFor('outage-project');
    expect((await call('PUT', '/credentials/fcm', { serviceAccount })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await call('POST', '/devices', { platform: 'android', token: `outage-device-${i}`, userId: 'bob' })).status).toBe(201);
    }

    type Sent = { id: string; phase: 'before' | 'down' | 'after'; ms: number; at: number };
    const sent: Sent[] = [];
    const refused: string[] = [];
    let phase: Sent['phase'] = 'before';
    let cutAt = Number.POSITIVE_INFINITY;
    let stop = false;
    let n = 0;
    const loop = async () => {
      while (!stop) {
        const p = phase;
        const r = await call(
          'POST',
          '/sends',
          { target: { userId: 'bob' }, notification: { title: 'outage', body: `#${n}` } },
          { 'idempotency-key': `outage-${n++}` },
        );
        if (r.status === 202) sent.push({ id: r.body.id, phase: p, ms: r.ms, at: performance.now() - r.ms - cutAt });
        else refused.push(`${p}: ${r.status} ${JSON.stringify(r.body)}`);
        await sleep(20);
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    await sleep(1500);
    phase = 'down';
    cutAt = performance.now();
    await proxy.cut();
    await sleep(500);
    const down = await platform.call('GET', '/readyz', { as: 'anonymous' });
    const downBody = (await down.json()) as { checks: Record<string, string> };
    await sleep(3500);
    await proxy.restore();
    phase = 'after';
    await sleep(1500);
    stop = true;
    await Promise.all(loops);

    // Every accepted send reaches every recipient: the release job publishes what the outage left owed.
    const until = Date.now() + 60_000;
    const pending = new Set(sent.map((s) => s.id));
    while (pending.size > 0 && Date.now() < until) {
      for (const id of [...pending]) {
        const r = await call('GET', `/sends/${id}`);
        if (r.body.status === 'completed' && r.body.totals.delivered === 3) pending.delete(id);
      }
      if (pending.size > 0) await sleep(500);
    }
    const during = sent
      .filter((s) => s.phase === 'down')
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    console.log(
      `[broker outage] accepted ${sent.length} sends (${during.length} while the broker was away, slowest ${during.at(-1)?.toFixed(0)} ms), ` +
        `refused ${refused.length}; slowest around the cut ${JSON.stringify(sent.filter((x) => x.ms > 900).map((x) => [Math.round(x.at), Math.round(x.ms), x.phase]))}; ${sent.length - pending.size} completed with 3 deliveries each; readyz while down ${down.status} ${JSON.stringify(downBody.checks)}`,
    );
    expect(refused).toEqual([]);
    expect(during.length).toBeGreaterThan(3);
    // Fast: a publish waits at most 1 s for a lost connection (not the 10 s publish timeout), so an accept that
    // publishes a few messages in turn is held a few seconds at worst (measured: 1.0–1.1 s).
    expect(during.at(-1)).toBeLessThan(6000);
    expect(down.status).toBe(503);
    expect(downBody.checks.queue).toBe('broker unreachable');
    expect([...pending]).toEqual([]);
    expect((await platform.call('GET', '/readyz', { as: 'anonymous' })).status).toBe(200);
  }, 120_000);
});
