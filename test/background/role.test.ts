/**
 * Replica roles (SWITCHBOARD_ROLE): an `api` replica publishes but never consumes and never runs a job — its message
 * stays queued and the ticks do not happen — until a `worker` replica on the same database (and broker) starts and
 * takes both. On the embedded queue (SQLite and the machine's MariaDB) and on RabbitMQ.
 */
import { randomBytes } from 'node:crypto';

const SUFFIX = `r${randomBytes(4).toString('hex')}`;
process.env.BGTEST_TICK_JOBS = '1';
process.env.BGTEST_EVERY = '200ms';
process.env.BGTEST_QUEUE_SUFFIX = SUFFIX;
// Not imported from the fixture: imports run before the lines above, and the fixture reads them when it loads.
const WORK_QUEUE = `work-${SUFFIX}`;

import { afterAll, describe, expect, it } from 'vitest';
import type { CoreConfig } from '../../core/src/config/config.js';
import { loadConfig } from '../../core/src/config/load-config.js';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends, type Backend, sqliteBackend } from '../support/backends.js';
import { AMQP_URL, deleteQueues, rabbitUnavailable } from './rabbit.js';
import { events, queueOf, startBgPlatform, waitFor } from './support.js';

const backends = await availableBackends();
const why = await rabbitUnavailable('replica roles on RabbitMQ');

describe('SWITCHBOARD_ROLE', () => {
  it('defaults to all, accepts api and worker, and refuses anything else with the variable named', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, process.cwd()).role).toBe('all');
    expect(loadConfig({ NODE_ENV: 'test', SWITCHBOARD_ROLE: 'api' }, process.cwd()).role).toBe('api');
    expect(loadConfig({ NODE_ENV: 'test', SWITCHBOARD_ROLE: 'worker' }, process.cwd()).role).toBe('worker');
    expect(() => loadConfig({ NODE_ENV: 'test', SWITCHBOARD_ROLE: 'web' }, process.cwd())).toThrow(
      /SWITCHBOARD_ROLE: expected all or api or worker/,
    );
  });
});

const cases: { name: string; backend: Backend; overrides: Partial<CoreConfig> }[] = [
  ...backends.map((backend) => ({ name: `embedded queue on ${backend.name}`, backend, overrides: {} })),
  ...(why === null
    ? [{ name: 'RabbitMQ', backend: sqliteBackend, overrides: { queueAdapter: 'rabbitmq' as const, amqpUrl: AMQP_URL } }]
    : []),
];

describe.each(cases)('replica roles, $name', ({ backend, overrides }) => {
  const started: TestPlatform[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const p of started.reverse()) await p.close();
    await drop?.();
  });

  it('an api replica publishes but consumes nothing and runs no job; a worker replica takes both', async () => {
    const db = await backend.create();
    drop = db.drop;
    const api = await startBgPlatform(db.url, { ...overrides, role: 'api' });
    started.push(api);
    expect(api.loadErrors).toEqual([]);
    expect(api.background.role).toBe('api');
    // The admin API still lists the workers' queues on an API replica.
    expect(api.background.queues()).toContain(`bgtest.${WORK_QUEUE}`);

    const key = `role-${randomBytes(3).toString('hex')}`;
    const published = await queueOf(api).publish(WORK_QUEUE, { n: 1 }, { idempotencyKey: key });
    expect(published.duplicate).toBe(false);
    await new Promise((r) => setTimeout(r, 1500)); // several ticks and poll intervals
    expect(await events(api.orm, 'work')).toEqual([]);
    expect(await events(api.orm, 'tick')).toEqual([]);
    const [depth] = await api.background.queue.depths([`bgtest.${WORK_QUEUE}`]);
    expect(depth.ready + depth.inFlight).toBe(1);

    const worker = await startBgPlatform(db.url, { ...overrides, role: 'worker' });
    started.push(worker);
    expect(worker.background.role).toBe('worker');
    const delivered = await waitFor(async () => (await events(worker.orm, 'work')).some((e) => e.k === key), 10_000);
    expect(delivered).toBe(true);
    const ticked = await waitFor(async () => (await events(worker.orm, 'tick')).length > 0, 10_000);
    expect(ticked).toBe(true);
  }, 60_000);
});

afterAll(async () => {
  if (why === null) await deleteQueues(SUFFIX);
});
