/**
 * Nothing accepted is lost: a send whose publish fails after commit is published by the release job from the
 * outbox, and the whole path runs on RabbitMQ (the queue adapter the platform picks with QUEUE_ADAPTER=rabbitmq),
 * including a delayed retry round after throttling.
 */
import { randomBytes } from 'node:crypto';
import type { QueueService } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from '../background/rabbit.js';
import { sqliteBackend } from '../support/backends.js';
import {
  api,
  iosToken,
  type PushFakes,
  register,
  settledReport,
  startFakes,
  startPushPlatform,
  uploadFakeCredentials,
  waitFor,
} from './platform-support.js';

const pushQueue = (platform: TestPlatform) => platform.plugins.find((p) => p.prepared.meta.id === 'push')?.services.queue as QueueService;

describe('push outbox', () => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    fakes = await startFakes();
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, fakes.config);
    await uploadFakeCredentials(platform, fakes);
  });
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
  });

  it('answers 202 when the queue refuses the publish after commit, and the release job delivers it later', async () => {
    const call = api(platform);
    await register(platform, [{ platform: 'android', token: 'outbox-1', userId: 'u-outbox' }]);
    const queue = pushQueue(platform);
    const original = queue.publish;
    let refused = 0;
    queue.publish = async () => {
      refused++;
      throw new Error('broker unreachable (simulated)');
    };
    let sendId: string;
    try {
      const accepted = await call<{ id: string; status: string }>('POST', '/sends', {
        target: { userId: 'u-outbox' },
        notification: { title: 'o' },
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.status).toBe('queued');
      sendId = accepted.body.id;
      expect(refused).toBe(1);
      expect(platform.logs.some((l) => /could not publish a push chunk/.test(String(l.msg)))).toBe(true);
      // While the queue is down nothing is delivered, and nothing is forgotten either.
      await new Promise((r) => setTimeout(r, 300));
      expect(fakes.fcm.received('outbox-1')).toHaveLength(0);
    } finally {
      queue.publish = original;
    }
    const report = await settledReport(platform, sendId);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(fakes.fcm.deliveredCount('outbox-1')).toBe(1);
  });
});

describe('push redelivery', () => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    fakes = await startFakes();
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, fakes.config);
    await uploadFakeCredentials(platform, fakes);
  });
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
  });

  it('counts every result once when the same chunk is delivered twice at the same time (at-least-once queues)', async () => {
    const call = api(platform);
    await register(platform, [
      { platform: 'android', token: 'dup-1', userId: 'u-dup' },
      { platform: 'android', token: 'dup-2', userId: 'u-dup' },
      { platform: 'android', token: 'dup-gone', userId: 'u-dup' },
    ]);
    fakes.fcm.setTokenOutcome('dup-gone', 'UNREGISTERED');
    fakes.fcm.setLatency(200);
    try {
      const accepted = await call<{ id: string }>('POST', '/sends', { target: { userId: 'u-dup' }, notification: { title: 'd' } });
      // A second copy of chunk 0, as a broker redelivers after a lost ack, while the first is still in flight.
      await pushQueue(platform).publish(
        'deliveries',
        { sendId: accepted.body.id, seq: 0, round: 0 },
        { idempotencyKey: 'redelivered-copy' },
      );
      const report = await settledReport(platform, accepted.body.id);
      await waitFor(() => fakes.fcm.received('dup-1').length >= 2, 3000);
      // The provider may well have seen both copies; the report counts each recipient once.
      expect(fakes.fcm.received('dup-1').length).toBe(2);
      expect(report.recipients.map((r) => [r.token, r.status, r.attempts])).toEqual([
        ['dup-1', 'delivered', 1],
        ['dup-2', 'delivered', 1],
        ['dup-gone', 'unregistered', 1],
      ]);
      expect(report.totals).toMatchObject({ recipients: 3, delivered: 2, unregistered: 1, retired: 1, retried: 0 });
    } finally {
      fakes.fcm.setLatency(0);
    }
  });
});

describe('push in many chunks', () => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    fakes = await startFakes();
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, { ...fakes.config, chunkSize: 25 });
    await uploadFakeCredentials(platform, fakes);
  });
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
  });

  it('splits a send into chunks, delivers each recipient exactly once and completes once every chunk is done', async () => {
    const devices = Array.from({ length: 300 }, (_, i) => ({
      platform: i % 3 === 0 ? ('ios' as const) : ('android' as const),
      token: i % 3 === 0 ? iosToken(1000 + i) : `bulk-${i}`,
      tags: ['bulk'],
    }));
    for (let i = 0; i < devices.length; i += 50) await Promise.all(devices.slice(i, i + 50).map((d) => register(platform, [d])));
    for (const i of [7, 8, 200]) fakes.fcm.setTokenOutcome(`bulk-${i}`, 'UNREGISTERED');
    fakes.apns.setTokenOutcome(iosToken(1000 + 99), 'BadDeviceToken');

    const accepted = await api(platform)<{ id: string; recipients: number }>('POST', '/sends', {
      target: { all: true },
      notification: { title: 'bulk' },
    });
    expect(accepted.body.recipients).toBe(300);
    const chunks = await platform.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>('select count(*) as n from push_chunk where send_id = ?', [accepted.body.id]);
    expect(Number(chunks[0].n)).toBe(12);

    const report = await settledReport(platform, accepted.body.id);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({ recipients: 300, delivered: 296, unregistered: 3, retired: 3, failed: 1, queued: 0 });
    const delivered = new Map([...fakes.fcm.deliveredTokens(), ...fakes.apns.deliveredTokens()]);
    expect(delivered.size).toBe(296);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    expect(fakes.fcm.stats().duplicateDeliveries + fakes.apns.stats().duplicateDeliveries).toBe(0);
  });
});

const SUFFIX = `push${randomBytes(3).toString('hex')}`;
const why = await rabbitUnavailable('push on rabbitmq');

describe.skipIf(why !== null)('push on RabbitMQ', () => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    // A queue of its own on the shared broker: physical names are `push.deliveries…`, so old runs' leftovers are cleared first.
    await deleteQueues('push.deliveries');
    await deleteQueues('push.webhooks');
    fakes = await startFakes();
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, fakes.config, { queueAdapter: 'rabbitmq', amqpUrl: AMQP_URL });
    expect(platform.background.queue.kind).toBe('rabbitmq');
    await uploadFakeCredentials(platform, fakes);
  });
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
    if (!why) {
      await deleteQueues('push.deliveries');
      await deleteQueues('push.webhooks');
    }
  });

  it('delivers through the broker, with a delayed retry round after APNs throttling', async () => {
    const call = api(platform);
    await register(platform, [
      { platform: 'ios', token: iosToken(40), userId: SUFFIX },
      { platform: 'android', token: `rmq-${SUFFIX}`, userId: SUFFIX },
      { platform: 'android', token: `rmq-gone-${SUFFIX}`, userId: SUFFIX },
    ]);
    fakes.fcm.setTokenOutcome(`rmq-gone-${SUFFIX}`, 'UNREGISTERED');
    fakes.apns.throttle({ requests: 1 });
    const accepted = await call<{ id: string }>('POST', '/sends', { target: { userId: SUFFIX }, notification: { title: 'rabbit' } });
    const report = await settledReport(platform, accepted.body.id);
    expect(report.recipients.map((r) => [r.platform, r.status, r.attempts])).toEqual([
      ['ios', 'delivered', 2],
      ['android', 'delivered', 1],
      ['android', 'unregistered', 1],
    ]);
    expect(report.totals).toMatchObject({ delivered: 2, unregistered: 1, retired: 1, retried: 1 });
    expect(fakes.apns.received(iosToken(40)).map((r) => r.status)).toEqual([429, 200]);
    const depths = await waitFor(async () => {
      const d = await platform.background.queue.depths(['push.deliveries']);
      return d[0].ready === 0 && d[0].inFlight === 0 && d[0].dead === 0 ? d : null;
    }, 5000);
    expect(depths).not.toBeNull();
  });
});
