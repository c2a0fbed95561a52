/**
 * The embedded queue with three consumer processes on the machine's MariaDB: every message is delivered, and when
 * one consumer is killed with SIGKILL mid-batch its leased messages come back after QUEUE_LEASE_MS and are processed
 * by the others — nothing accepted is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundStore } from '../../core/src/background/background-db.js';
import { createEmbeddedQueue } from '../../core/src/background/embedded-queue.js';
import type { QueueAdapter } from '../../core/src/background/queue-adapter.js';
import { createOrm } from '../../core/src/db/create-orm.js';
import { createLogger } from '../../core/src/logging/create-logger.js';
import { createMariaDbDatabase, isCi, mariaDbUnavailable } from '../support/backends.js';
import { type Replica, startReplica } from './replicas.js';

const why = await mariaDbUnavailable();
if (why && isCi()) throw new Error(`${why} — CI needs it (.ci/run starts it).`);
if (why) console.warn(`[skip multi-replica embedded queue] ${why}`);

const N = 1000;

describe.skipIf(why !== null)('embedded queue on 3 replicas (MariaDB)', () => {
  let db: { url: string; drop: () => Promise<void> };
  const replicas: Replica[] = [];
  let query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  let closeOrm: () => Promise<void>;
  let publisher: QueueAdapter;

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    const env = { DATABASE_URL: db.url, QUEUE_LEASE_MS: '1000', QUEUE_POLL_MS: '50' };
    replicas.push(await startReplica('q1', env));
    replicas.push(...(await Promise.all([startReplica('q2', env), startReplica('q3', env)])));
    const orm = await createOrm({ databaseUrl: db.url, entities: [], migrations: [] });
    query = async <T>(sql: string, params: unknown[] = []) => (await orm.em.fork().getConnection().execute(sql, params)) as T[];
    closeOrm = () => orm.close(true);
    publisher = createEmbeddedQueue({ store: backgroundStore(orm, db.url), log: createLogger({ level: 'error' }) });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await closeOrm?.();
    await db?.drop();
  }, 60_000);

  it(`processes all ${N} messages although a consumer is killed mid-batch`, async () => {
    // Published through the embedded adapter itself (this process runs no worker: it only publishes).
    for (let i = 0; i < N; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, N - i) }, (_, j) =>
          publisher.publish('bgtest.work', { n: i + j, sleepMs: 20 }, { idempotencyKey: `k-${i + j}` }),
        ),
      );
    }
    const count = async () =>
      Number((await query<{ n: number }>("select count(distinct k) as n from bgtest_event where kind = 'work'"))[0].n);
    while ((await count()) < N / 4) await new Promise((r) => setTimeout(r, 20));
    const atKill = await count();
    const leased = Number(
      (await query<{ n: number }>("select count(*) as n from sb_queue_message where status = 'ready' and lease_owner is not null"))[0].n,
    );
    await replicas[0].kill();
    const deadline = Date.now() + 60_000;
    let done = await count();
    while (done < N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      done = await count();
    }
    const perReplica = await query<{ replica: string; n: number }>(
      "select replica, count(*) as n from bgtest_event where kind = 'work' group by replica",
    );
    console.log(
      `[embedded] SIGKILL of q1 after ${atKill}/${N} processed (${leased} leased at the time): ${done}/${N} processed; ` +
        `per replica ${JSON.stringify(Object.fromEntries(perReplica.map((r) => [r.replica, Number(r.n)])))}`,
    );
    expect(atKill).toBeLessThan(N);
    expect(done).toBe(N);
    const states = await query<{ status: string; n: number }>('select status, count(*) as n from sb_queue_message group by status');
    expect(states.map((s) => [s.status, Number(s.n)])).toEqual([['done', N]]);
  }, 120_000);
});
