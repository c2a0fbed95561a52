/**
 * A poison message — one whose handler kills the process every time, before any ack — on the real RabbitMQ and on
 * the embedded queue (MariaDB), with worker replicas as processes that SIGKILL themselves when they handle it. It must
 * end in the dead-letter queue with a reason and its attempts after a bounded number of deaths, while the messages
 * that were in flight with it are processed, not dead-lettered; operators see it and replay it through the admin API,
 * and the replay is audited.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { createMariaDbDatabase, isCi, mariaDbUnavailable } from '../support/backends.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from './rabbit.js';
import { type Replica, spawnReplica } from './replicas.js';
import { adminApi, events, queueOf, startBgPlatform, waitFor } from './support.js';

const SUFFIX = `x${randomBytes(4).toString('hex')}`;
process.env.BGTEST_QUEUE_SUFFIX = SUFFIX;
const CRASH = `crash-${SUFFIX}`;
const WORK = `work-${SUFFIX}`;
const INNOCENTS = 12;

const mariaWhy = await mariaDbUnavailable();
if (mariaWhy && isCi()) throw new Error(`${mariaWhy} — CI needs it (.ci/run starts it).`);
if (mariaWhy) console.warn(`[skip poison message] ${mariaWhy}`);
const rabbitWhy = mariaWhy ?? (await rabbitUnavailable('poison message'));

const adapters: { adapter: 'rabbitmq' | 'embedded'; skip: boolean; env: Record<string, string> }[] = [
  { adapter: 'rabbitmq', skip: rabbitWhy !== null, env: { QUEUE_ADAPTER: 'rabbitmq', AMQP_URL } },
  { adapter: 'embedded', skip: mariaWhy !== null, env: { QUEUE_ADAPTER: 'embedded', QUEUE_LEASE_MS: '600', QUEUE_POLL_MS: '50' } },
];

afterAll(async () => {
  if (!rabbitWhy) await deleteQueues(SUFFIX);
});

describe.each(adapters)('a message that kills its worker process ($adapter)', ({ adapter, skip, env }) => {
  let platform: TestPlatform;
  let db: { url: string; drop: () => Promise<void> };
  let replicaEnv: Record<string, string>;
  const replicas: Replica[] = [];
  const physical = `bgtest.${CRASH}`;

  beforeAll(async () => {
    if (skip) return;
    db = await createMariaDbDatabase();
    // The test's own platform serves the admin API and never takes a message until the end (its asset is paused);
    // it runs the migrations before any replica starts.
    platform = await startBgPlatform(db.url, {
      queueAdapter: adapter,
      amqpUrl: adapter === 'rabbitmq' ? AMQP_URL : null,
      queueLeaseMs: 600,
    });
    expect(platform.loadErrors).toEqual([]);
    platform.background.setAssetEnabledCheck(() => false);
    await new Promise((r) => setTimeout(r, 1200)); // RabbitMQ consumers are paused by a 1 s check
    replicaEnv = { ...env, DATABASE_URL: db.url, BGTEST_QUEUE_SUFFIX: SUFFIX, BGTEST_CRASH: 'kill', SHUTDOWN_DRAIN_MS: '2000' };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    await platform?.close();
    await db?.drop();
  }, 60_000);

  it.skipIf(skip)(
    'is dead-lettered with its reason and attempts after 3 deaths alone; the messages in flight with it are processed',
    async () => {
      const admin = adminApi(platform);
      const poison = await queueOf(platform).publish(CRASH, { crash: true }, { idempotencyKey: 'poison-1' });
      for (let i = 0; i < INNOCENTS; i++) await queueOf(platform).publish(CRASH, { sleepMs: 200 }, { idempotencyKey: `innocent-${i}` });
      for (let i = 0; i < 20; i++) await queueOf(platform).publish(WORK, { n: i, sleepMs: 100 }, { idempotencyKey: `bystander-${i}` });

      const deadLetter = async () => {
        const res = await admin.request(`/queues/${physical}/dead-letters`);
        const items: { id: string; idempotencyKey: string; reason: string; attempts: number }[] = (await res.json()).items;
        return items.find((d) => d.idempotencyKey === 'poison-1');
      };
      let deaths = 0;
      let survivor: Replica | undefined;
      // Each replica that takes the poison message dies; the bound on restarts is what "not forever" means here.
      for (let i = 0; i < 8 && !survivor; i++) {
        const r = spawnReplica(`crash-${adapter}-${i}`, replicaEnv);
        replicas.push(r);
        const outcome = await Promise.race([r.exited, waitFor(deadLetter, 30_000, 100).then((d) => (d ? 'dead-lettered' : 'timeout'))]);
        if (outcome === 'SIGKILL') deaths++;
        else if (outcome === 'dead-lettered') survivor = r;
        else throw new Error(`replica ${r.id} ended with ${outcome}:\n${r.output()}`);
      }
      expect(survivor).toBeDefined();
      const dead = await deadLetter();
      console.log(`[poison ${adapter}] ${deaths} worker deaths, then dead-lettered: attempts ${dead?.attempts}, reason "${dead?.reason}"`);
      expect(deaths).toBe(4); // the first delivery (with others in flight), then 3 alone
      expect(dead).toMatchObject({ id: poison.id, attempts: 4 });
      expect(dead?.reason).toMatch(/^POISON_MESSAGE: the worker process died 3 times while handling this message alone/);

      // Everything that was in flight with it, or queued behind it, is processed by the survivor; none is dead.
      const done = await waitFor(async () => {
        const keys = new Set((await events(platform.orm)).map((e) => e.k));
        const innocents = Array.from({ length: INNOCENTS }, (_, i) => `innocent-${i}`).every((k) => keys.has(k));
        return innocents && Array.from({ length: 20 }, (_, i) => `bystander-${i}`).every((k) => keys.has(k));
      }, 30_000);
      expect(done).toBe(true);
      const items = (await (await admin.request(`/queues/${physical}/dead-letters`)).json()).items;
      expect(items.map((d: { idempotencyKey: string }) => d.idempotencyKey)).toEqual(['poison-1']);
      expect(survivor?.child.exitCode).toBeNull();
    },
    180_000,
  );

  it.skipIf(skip)(
    'is replayed through the admin API with a fresh count, audited, and handled where it does not kill',
    async () => {
      const admin = adminApi(platform);
      // No replica runs from here on: the replayed message waits until this platform's workers resume.
      await Promise.all(replicas.map((r) => r.stop()));
      const [dead] = (await (await admin.request(`/queues/${physical}/dead-letters`)).json()).items;
      const replay = await admin.request(`/queues/${physical}/dead-letters/${dead.id}/replay`, { method: 'POST' });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ replayed: true, id: dead.id });
      expect((await (await admin.request(`/queues/${physical}/dead-letters`)).json()).items).toEqual([]);

      const audit = await (await platform.call('GET', '/admin/v1/audit?limit=5', { as: 'admin' })).json();
      expect(audit.items[0]).toMatchObject({
        actorType: 'operator',
        action: 'dead-letter.replay',
        targetType: 'dead-letter',
        targetId: dead.id,
        before: { queue: physical, idempotencyKey: 'poison-1', attempts: 4, reason: dead.reason },
      });
      expect(JSON.stringify(audit.items[0])).not.toContain('"crash"'); // the payload stays out of the audit log
      const counts = await platform.orm.em.fork().getConnection().execute('select * from sb_queue_crash where message_id = ?', [dead.id]);
      expect(counts).toEqual([]);

      platform.background.setAssetEnabledCheck(() => true);
      const handled = await waitFor(async () => (await events(platform.orm, 'crash-ok')).find((e) => e.k === 'poison-1'), 10_000);
      expect(handled).toMatchObject({ n: 1 }); // attempt 1 again
    },
    60_000,
  );
});
