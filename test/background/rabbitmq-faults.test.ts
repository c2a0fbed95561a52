/**
 * Faults on the real RabbitMQ with worker replicas as processes (recording into the machine's MariaDB):
 * a worker killed with SIGKILL mid-batch loses nothing; a broker restart while publishing (idempotency keys recorded
 * in the database) loses nothing the publisher was told was accepted. BG_SOAK_MESSAGES sets the batch (default 2000).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpQueue } from '../../core/src/background/amqp-queue.js';
import { backgroundStore } from '../../core/src/background/background-db.js';
import type { QueueAdapter } from '../../core/src/background/queue-adapter.js';
import { createOrm } from '../../core/src/db/create-orm.js';
import { createLogger } from '../../core/src/logging/create-logger.js';
import { createMariaDbDatabase, isCi, mariaDbUnavailable } from '../support/backends.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable, restartBroker } from './rabbit.js';
import { type Replica, startReplica } from './replicas.js';

const mariaWhy = await mariaDbUnavailable();
if (mariaWhy && isCi()) throw new Error(`${mariaWhy} — CI needs it (.ci/run starts it).`);
if (mariaWhy) console.warn(`[skip rabbitmq faults] ${mariaWhy}`);
const why = mariaWhy ?? (await rabbitUnavailable('rabbitmq faults'));

const N = Number(process.env.BG_SOAK_MESSAGES ?? 2000);
const SUFFIX = `f${randomBytes(4).toString('hex')}`;
const QUEUE = `bgtest.work-${SUFFIX}`;

describe.skipIf(why !== null)('RabbitMQ faults with worker processes', () => {
  let db: { url: string; drop: () => Promise<void> };
  const replicas: Replica[] = [];
  let publisher: QueueAdapter & { close(): Promise<void> };
  let query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  let closeOrm: () => Promise<void>;
  let env: Record<string, string>;

  const distinctDone = async (prefix: string) =>
    Number(
      (await query<{ n: number }>("select count(distinct k) as n from bgtest_event where kind = 'work' and k like ?", [`${prefix}%`]))[0].n,
    );
  const deliveries = async (prefix: string) =>
    Number((await query<{ n: number }>("select count(*) as n from bgtest_event where kind = 'work' and k like ?", [`${prefix}%`]))[0].n);
  const waitDistinct = async (prefix: string, want: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let got = await distinctDone(prefix);
    while (Date.now() < deadline && got < want) {
      await new Promise((r) => setTimeout(r, 200));
      got = await distinctDone(prefix);
    }
    return got;
  };

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    env = { DATABASE_URL: db.url, QUEUE_ADAPTER: 'rabbitmq', AMQP_URL, BGTEST_QUEUE_SUFFIX: SUFFIX, SHUTDOWN_DRAIN_MS: '2000' };
    replicas.push(await startReplica('w1', env));
    replicas.push(await startReplica('w2', env));
    const orm = await createOrm({ databaseUrl: db.url, entities: [], migrations: [] });
    query = async <T>(sql: string, params: unknown[] = []) => (await orm.em.fork().getConnection().execute(sql, params)) as T[];
    closeOrm = () => orm.close(true);
    // With the database, as a replica publishes: keys are claimed, and released when the broker does not confirm.
    publisher = await createAmqpQueue({
      url: AMQP_URL,
      log: createLogger({ level: 'error' }),
      store: backgroundStore(orm, db.url),
      publishTimeoutMs: 30_000,
    });
  }, 120_000);
  afterAll(async () => {
    await publisher?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await closeOrm?.();
    await db?.drop();
    if (!why) await deleteQueues(SUFFIX);
  }, 60_000);

  it(`loses nothing when a worker is killed with SIGKILL mid-batch (${N} messages)`, async () => {
    for (let i = 0; i < N; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, N - i) }, (_, j) =>
          publisher.publish(QUEUE, { n: i + j, sleepMs: 10 }, { idempotencyKey: `kill-${i + j}` }),
        ),
      );
    }
    const deadline = Date.now() + 30_000;
    while ((await distinctDone('kill-')) < N / 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const atKill = await distinctDone('kill-');
    await replicas[0].kill();
    expect(atKill).toBeLessThan(N); // it really was mid-batch
    const done = await waitDistinct('kill-', N, 60_000);
    const total = await deliveries('kill-');
    console.log(
      `[faults] SIGKILL of w1 after ${atKill}/${N} processed: ${done}/${N} processed in the end, ${total - done} redelivered twice`,
    );
    expect(done).toBe(N);
    // Bring the killed replica back for the next test.
    replicas[0] = await startReplica('w1', env);
  }, 120_000);

  it('loses nothing the publisher was told was accepted when the broker restarts while publishing', async () => {
    const accepted: string[] = [];
    let rejected = 0;
    let publishing = true;
    let i = 0;
    const loop = async () => {
      while (publishing) {
        const key = `restart-${i++}`;
        await publisher.publish(QUEUE, { n: i }, { idempotencyKey: key }).then(
          () => accepted.push(key),
          () => {
            rejected++;
          },
        );
      }
    };
    const loops = Array.from({ length: 20 }, loop);
    await new Promise((r) => setTimeout(r, 1000));
    const before = accepted.length;
    const restartMs = await restartBroker();
    await new Promise((r) => setTimeout(r, 1500));
    publishing = false;
    await Promise.all(loops);
    const after = accepted.length - before;
    const done = await waitDistinct('restart-', accepted.length, 60_000);
    const keys = new Set(
      (await query<{ k: string }>("select distinct k from bgtest_event where kind = 'work' and k like 'restart-%'")).map((r) => r.k),
    );
    const lost = accepted.filter((k) => !keys.has(k));
    console.log(
      `[faults] broker restart (${restartMs} ms) while publishing: ${accepted.length} accepted (${after} during/after the restart), ` +
        `${rejected} rejected, ${done} processed, ${lost.length} lost`,
    );
    expect(after).toBeGreaterThan(0); // publishing resumed after the broker came back
    expect(lost).toEqual([]);
  }, 180_000);
});
