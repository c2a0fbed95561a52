/**
 * The embedded queue on SQLite and the machine's MariaDB: publish with idempotency keys, at-least-once delivery,
 * retries with backoff, dead letters with their reason and attempts, replay and drop through the admin routes, and
 * messages that survive a restart of the platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends } from '../support/backends.js';
import { POISON_QUEUE, WORK_QUEUE } from './fixtures/bgtest/src/plugin.js';
import { adminApi, events, queueOf, startBgPlatform, waitFor } from './support.js';

const backends = await availableBackends();

describe.each(backends)('embedded queue on $name', (backend) => {
  let platform: TestPlatform;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ url, drop } = await backend.create());
    platform = await startBgPlatform(url);
    expect(platform.loadErrors).toEqual([]);
    expect(platform.background.queue.kind).toBe('embedded');
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('delivers every published message once, and accepts an idempotency key once per queue', async () => {
    const queue = queueOf(platform);
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => queue.publish(WORK_QUEUE, { n }, { idempotencyKey: `a-${n}` })));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const again = await queue.publish(WORK_QUEUE, { n: 0 }, { idempotencyKey: 'a-0' });
    expect(again).toEqual({ id: results[0].id, duplicate: true });
    const done = await waitFor(async () => (await events(platform.orm, 'work')).filter((e) => e.k.startsWith('a-')).length === 50);
    expect(done).toBe(true);
    const rows = (await events(platform.orm, 'work')).filter((e) => e.k.startsWith('a-'));
    expect(new Set(rows.map((r) => r.n)).size).toBe(50);
  });

  it('retries a failing message with backoff and then succeeds', async () => {
    const t0 = Date.now();
    await queueOf(platform).publish(WORK_QUEUE, { n: 1000, failTimes: 2 }, { idempotencyKey: 'retry-1' });
    const row = await waitFor(async () => (await events(platform.orm, 'work')).find((e) => e.k === 'retry-1'));
    expect(row).toBeTruthy();
    // Two failures with 50 ms then 100 ms backoff before the third attempt succeeded.
    expect((row?.at_ms ?? 0) - t0).toBeGreaterThanOrEqual(140);
  });

  it('takes no messages for a disabled asset, and resumes when it is enabled again', async () => {
    platform.background.setAssetEnabledCheck((id) => id !== 'bgtest');
    await new Promise((r) => setTimeout(r, 1200)); // RabbitMQ consumers are paused by a 1 s check
    await queueOf(platform).publish(WORK_QUEUE, { n: 5000 }, { idempotencyKey: 'paused-1' });
    await new Promise((r) => setTimeout(r, 600));
    expect((await events(platform.orm, 'work')).some((e) => e.k === 'paused-1')).toBe(false);
    platform.background.setAssetEnabledCheck(() => true);
    const row = await waitFor(async () => (await events(platform.orm, 'work')).find((e) => e.k === 'paused-1'), 5000);
    expect(row).toBeTruthy();
  });

  it('honours delayMs', async () => {
    const t0 = Date.now();
    await queueOf(platform).publish(WORK_QUEUE, { n: 2000 }, { idempotencyKey: 'delayed-1', delayMs: 400 });
    const row = await waitFor(async () => (await events(platform.orm, 'work')).find((e) => e.k === 'delayed-1'));
    expect((row?.at_ms ?? 0) - t0).toBeGreaterThanOrEqual(400);
  });

  it('dead-letters a message that always fails with its reason and attempts; operators replay or drop it', async () => {
    const app = adminApi(platform);
    const physical = `bgtest.${POISON_QUEUE}`;
    await queueOf(platform).publish(POISON_QUEUE, { x: 1 }, { idempotencyKey: 'p-1' });
    await queueOf(platform).publish(POISON_QUEUE, { x: 2 }, { idempotencyKey: 'p-2' });
    const listed = await waitFor(async () => {
      const body = await (await app.request(`/queues/${physical}/dead-letters`)).json();
      return body.items.length === 2 ? body.items : null;
    });
    expect(listed).toHaveLength(2);
    const p1 = listed.find((d: { idempotencyKey: string }) => d.idempotencyKey === 'p-1');
    expect(p1).toMatchObject({ queue: physical, attempts: 3, payload: { x: 1 }, reason: 'poison: cannot process (attempt 3)' });

    const depths = await (await app.request('/queues')).json();
    expect(depths.adapter).toBe('embedded');
    expect(depths.items.find((q: { queue: string }) => q.queue === physical)).toMatchObject({ dead: 2 });

    const replay = await app.request(`/queues/${physical}/dead-letters/${p1.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(200);
    // Replayed with a fresh attempt count: it fails three more times and is dead again, with attempts back at 3.
    const again = await waitFor(async () => {
      const items = (await (await app.request(`/queues/${physical}/dead-letters`)).json()).items;
      return items.length === 2 && items.some((d: { id: string; failedAt: string }) => d.id === p1.id && d.failedAt > p1.failedAt);
    });
    expect(again).toBe(true);

    const p2 = listed.find((d: { idempotencyKey: string }) => d.idempotencyKey === 'p-2');
    expect((await app.request(`/queues/${physical}/dead-letters/${p2.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await app.request(`/queues/${physical}/dead-letters/${p2.id}`, { method: 'DELETE' });
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toBe('application/problem+json');
    expect((await gone.json()).code).toBe('DEAD_LETTER_NOT_FOUND');
    expect((await app.request('/queues/nope/dead-letters')).status).toBe(404);
  });

  it('keeps accepted messages across a restart', async () => {
    // A second platform without workers running accepts messages, then closes; the first one's workers get them.
    await platform.close();
    const publisher = await startBgPlatform(url);
    // Stop its workers first so the messages stay queued while no platform is consuming.
    await publisher.background.queue.stop();
    for (let n = 0; n < 10; n++) await queueOf(publisher).publish(WORK_QUEUE, { n: 3000 + n }, { idempotencyKey: `restart-${n}` });
    await publisher.close();
    platform = await startBgPlatform(url);
    const ok = await waitFor(async () => (await events(platform.orm, 'work')).filter((e) => e.k.startsWith('restart-')).length === 10);
    expect(ok).toBe(true);
  });
});
