/**
 * The RabbitMQ queue adapter on the machine's broker, in-process: confirmed publishes, delivery, retries through the
 * TTL retry queues, delays, a poison message dead-lettered after its attempts with the reason, and the operators'
 * depth / dead-letter / replay / drop routes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { sqliteBackend } from '../support/backends.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from './rabbit.js';
import { adminApi, events, queueOf, startBgPlatform, waitFor } from './support.js';

const SUFFIX = `t${randomBytes(4).toString('hex')}`;
process.env.BGTEST_QUEUE_SUFFIX = SUFFIX;
const WORK = `work-${SUFFIX}`;
const POISON = `poison-${SUFFIX}`;

const why = await rabbitUnavailable('rabbitmq queue');

describe.skipIf(why !== null)('RabbitMQ queue', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startBgPlatform(db.url, { queueAdapter: 'rabbitmq', amqpUrl: AMQP_URL });
    expect(platform.loadErrors).toEqual([]);
    expect(platform.background.queue.kind).toBe('rabbitmq');
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
    if (!why) await deleteQueues(SUFFIX);
  });

  it('delivers every confirmed message and hands the worker its idempotency key', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, n) => queueOf(platform).publish(WORK, { n }, { idempotencyKey: `a-${n}` })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(200);
    const ok = await waitFor(async () => new Set((await events(platform.orm, 'work')).map((e) => e.k)).size >= 200);
    expect(ok).toBe(true);
    const keys = new Set((await events(platform.orm, 'work')).map((e) => e.k));
    for (let n = 0; n < 200; n++) expect(keys.has(`a-${n}`)).toBe(true);
  });

  it('accepts an idempotency key once: a repeated or concurrent publish is a duplicate and is not delivered again', async () => {
    const first = await queueOf(platform).publish(WORK, { n: 7 }, { idempotencyKey: 'once-1' });
    expect(first.duplicate).toBe(false);
    expect(await queueOf(platform).publish(WORK, { n: 8 }, { idempotencyKey: 'once-1' })).toEqual({ id: first.id, duplicate: true });
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) => queueOf(platform).publish(WORK, { n: 100 + i }, { idempotencyKey: 'once-2' })),
    );
    expect(racing.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.id)).size).toBe(1);
    await waitFor(async () => {
      const keys = (await events(platform.orm, 'work')).map((e) => e.k);
      return keys.includes('once-1') && keys.includes('once-2');
    });
    await new Promise((r) => setTimeout(r, 500)); // room for a second delivery, were there one
    const once = (await events(platform.orm, 'work')).filter((e) => e.k.startsWith('once-'));
    expect(once.map((e) => e.k).sort()).toEqual(['once-1', 'once-2']);
    expect(once.find((e) => e.k === 'once-1')?.n).toBe(7); // the first payload, not the duplicate's
  });

  it('retries through the retry queues with backoff, then succeeds', async () => {
    const t0 = Date.now();
    await queueOf(platform).publish(WORK, { n: 1, failTimes: 2 }, { idempotencyKey: 'retry-1' });
    const row = await waitFor(async () => (await events(platform.orm, 'work')).find((e) => e.k === 'retry-1'));
    expect(row).toBeTruthy();
    expect((row?.at_ms ?? 0) - t0).toBeGreaterThanOrEqual(140); // 50 ms + 100 ms of backoff
  });

  it('takes no messages for a disabled asset, and resumes when it is enabled again', async () => {
    platform.background.setAssetEnabledCheck((id) => id !== 'bgtest');
    await new Promise((r) => setTimeout(r, 1200)); // RabbitMQ consumers are paused by a 1 s check
    await queueOf(platform).publish(WORK, { n: 5000 }, { idempotencyKey: 'paused-1' });
    await new Promise((r) => setTimeout(r, 600));
    expect((await events(platform.orm, 'work')).some((e) => e.k === 'paused-1')).toBe(false);
    platform.background.setAssetEnabledCheck(() => true);
    const row = await waitFor(async () => (await events(platform.orm, 'work')).find((e) => e.k === 'paused-1'), 5000);
    expect(row).toBeTruthy();
  });

  it('honours delayMs', async () => {
    const t0 = Date.now();
    await queueOf(platform).publish(WORK, { n: 2 }, { idempotencyKey: 'delayed-1', delayMs: 400 });
    const row = await waitFor(async () => (await events(platform.orm, 'work')).find((e) => e.k === 'delayed-1'));
    expect((row?.at_ms ?? 0) - t0).toBeGreaterThanOrEqual(400);
  });

  it('dead-letters a poison message after its attempts with the reason; operators see, replay and drop it', async () => {
    const app = adminApi(platform);
    const physical = `bgtest.${POISON}`;
    const p1 = await queueOf(platform).publish(POISON, { x: 1 }, { idempotencyKey: 'p-1' });
    const p2 = await queueOf(platform).publish(POISON, { x: 2 }, { idempotencyKey: 'p-2' });
    const listed = await waitFor(async () => {
      const items = (await (await app.request(`/queues/${physical}/dead-letters`)).json()).items;
      return items.length === 2 ? items : null;
    });
    expect(listed).toHaveLength(2);
    const d1 = listed.find((d: { id: string }) => d.id === p1.id);
    expect(d1).toMatchObject({
      queue: physical,
      idempotencyKey: 'p-1',
      attempts: 3,
      payload: { x: 1 },
      reason: 'poison: cannot process (attempt 3)',
    });
    // Listing does not consume: the dead letters are still there.
    expect((await (await app.request(`/queues/${physical}/dead-letters`)).json()).items).toHaveLength(2);

    const depths = await (await app.request('/queues')).json();
    expect(depths.adapter).toBe('rabbitmq');
    expect(depths.items.find((q: { queue: string }) => q.queue === physical)).toMatchObject({ dead: 2 });

    expect((await app.request(`/queues/${physical}/dead-letters/${p1.id}/replay`, { method: 'POST' })).status).toBe(200);
    // Replayed with attempts reset: three more failures, then dead again (a later failedAt).
    const again = await waitFor(async () => {
      const items = (await (await app.request(`/queues/${physical}/dead-letters`)).json()).items;
      return items.some((d: { id: string; failedAt: string }) => d.id === p1.id && d.failedAt > d1.failedAt);
    });
    expect(again).toBe(true);

    expect((await app.request(`/queues/${physical}/dead-letters/${p2.id}`, { method: 'DELETE' })).status).toBe(204);
    const items = (await (await app.request(`/queues/${physical}/dead-letters`)).json()).items;
    expect(items.map((d: { id: string }) => d.id)).toEqual([p1.id]);
    const gone = await app.request(`/queues/${physical}/dead-letters/${p2.id}`, { method: 'DELETE' });
    expect(gone.status).toBe(404);
    expect((await gone.json()).code).toBe('DEAD_LETTER_NOT_FOUND');
  });
});
