/**
 * The two shared counters of the access layer, on SQLite and the real MariaDB, with three ORMs standing in for three
 * replicas: rate-limit windows admit exactly their limit however demand is spread, and metering adds up exactly.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meter } from '../../core/src/access/meter.js';
import { RateBudget } from '../../core/src/access/rate-budget.js';
import { readUsage } from '../../core/src/access/read-usage.js';
import { accessEntities, accessMigrations } from '../../core/src/access/schema.js';
import { createOrm, migrate } from '../../core/src/db/create-orm.js';
import { availableBackends } from '../support/backends.js';

const backends = await availableBackends();
const silent = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as never;

describe.each(backends)('on $name', (backend) => {
  let orms: MikroORM[] = [];
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await backend.create();
    url = db.url;
    drop = db.drop;
    const options = {
      databaseUrl: url,
      entities: accessEntities,
      migrations: accessMigrations.map((m) => ({ ...m, name: `core/${m.name}` })),
    };
    orms.push(await createOrm(options));
    await migrate(orms[0]);
    orms.push(await createOrm(options), await createOrm(options));
  });
  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    orms = [];
    await drop?.();
  });

  it('admits exactly the limit across three replicas when demand is three times higher', async () => {
    const budgets = orms.map((orm) => new RateBudget({ orm }));
    const window = { name: 'sub_a:m', limit: 120, period: 'minute' as const };
    const now = Date.UTC(2026, 10, 25, 10, 0, 5);
    const results = await Promise.all(Array.from({ length: 360 }, (_, i) => budgets[i % 3].take(window, now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(120);
    expect(results.find((r) => !r.allowed)?.resetSeconds).toBe(55);
  });

  it('admits exactly the limit when all demand lands on one replica after others leased slices', async () => {
    const budgets = orms.map((orm) => new RateBudget({ orm }));
    const window = { name: 'sub_b:m', limit: 90, period: 'minute' as const };
    const now = Date.UTC(2026, 10, 25, 10, 1, 0);
    // Replicas 2 and 3 each serve one call and keep the rest of their slice; replica 1 gets everything else.
    expect((await budgets[1].take(window, now)).allowed).toBe(true);
    expect((await budgets[2].take(window, now)).allowed).toBe(true);
    const rest = await Promise.all(Array.from({ length: 200 }, () => budgets[0].take(window, now)));
    const admitted = 2 + rest.filter((r) => r.allowed).length;
    expect(admitted).toBeLessThanOrEqual(90);
    expect(admitted).toBeGreaterThanOrEqual(Math.floor(90 * 0.95) - 2 * Math.ceil(90 / 30));
  });

  it('starts a new budget in the next window', async () => {
    const budget = new RateBudget({ orm: orms[0] });
    const window = { name: 'sub_c:s', limit: 3, period: 'second' as const };
    const t = Date.UTC(2026, 10, 25, 10, 2, 0);
    const first = await Promise.all(Array.from({ length: 5 }, () => budget.take(window, t)));
    const next = await Promise.all(Array.from({ length: 5 }, () => budget.take(window, t + 1000)));
    expect(first.filter((r) => r.allowed)).toHaveLength(3);
    expect(next.filter((r) => r.allowed)).toHaveLength(3);
  });

  it('meters exactly, in batches, from several replicas', async () => {
    const meters = orms.map((orm) => new Meter({ orm, databaseUrl: url, log: silent, flushIntervalMs: 50 }));
    const at = Date.UTC(2026, 10, 25, 9, 30);
    for (let i = 0; i < 3000; i++) meters[i % 3].record('app_m', 'notes', 'getNote', i % 10 === 0 ? 404 : 200, at);
    await new Promise((r) => setTimeout(r, 120)); // at least one timed flush happens mid-way
    for (let i = 0; i < 30; i++) meters[i % 3].record('app_m', 'notes', 'createNote', 201, at);
    for (const m of meters) await m.close();
    const rows = await (orms[0].em.fork() as SqlEntityManager).execute<{ operation_id: string; status_class: string; count: number }[]>(
      "select operation_id, status_class, count from sb_usage where app_id = 'app_m' order by operation_id, status_class",
    );
    expect(rows.map((r) => [r.operation_id, r.status_class, Number(r.count)])).toEqual([
      ['createNote', '2xx', 30],
      ['getNote', '2xx', 2700],
      ['getNote', '4xx', 300],
    ]);
  });

  it('keeps the counts of a failed flush and writes them with the next one, hours in any order', async () => {
    const warnings: unknown[] = [];
    const log = { info: () => {}, error: () => {}, debug: () => {}, warn: (...args: unknown[]) => warnings.push(args) } as never;
    const meter = new Meter({ orm: orms[1], databaseUrl: url, log, flushIntervalMs: 60_000 });
    const [h1, h2] = [Date.UTC(2026, 8, 3, 10, 5), Date.UTC(2026, 8, 3, 11, 5)];
    const em = orms[0].em.fork() as SqlEntityManager;
    // The table goes away under the meter: the flush fails, as it would with the database down.
    await em.execute('alter table sb_usage rename to sb_usage_away');
    for (const at of [h2, h1, h2]) meter.record('app_f', 'notes', 'getNote', 200, at);
    meter.record('app_f', 'notes', 'getNote', 503, h1);
    await meter.flush();
    expect(warnings).toHaveLength(1);
    await em.execute('alter table sb_usage_away rename to sb_usage');
    meter.record('app_f', 'notes', 'getNote', 200, h1);
    await meter.close();
    const rows = await em.execute<{ hour: unknown; status_class: string; count: number }[]>(
      "select hour, status_class, count from sb_usage where app_id = 'app_f' order by hour, status_class",
    );
    expect(
      rows.map((r) => [
        new Date(
          `${String(r.hour instanceof Date ? r.hour.toISOString() : r.hour)
            .replace(' ', 'T')
            .replace(/Z?$/, 'Z')}`,
        ).getTime(),
        r.status_class,
        Number(r.count),
      ]),
    ).toEqual([
      [h1 - 5 * 60_000, '2xx', 2],
      [h1 - 5 * 60_000, '5xx', 1],
      [h2 - 5 * 60_000, '2xx', 2],
    ]);
  });

  it('reads usage per hour and per day, within a from/to window', async () => {
    const meter = new Meter({ orm: orms[0], databaseUrl: url, log: silent, flushIntervalMs: 60_000 });
    for (const [hour, n] of [
      [Date.UTC(2026, 9, 1, 8, 15), 2],
      [Date.UTC(2026, 9, 1, 9, 59), 3],
      [Date.UTC(2026, 9, 2, 0, 1), 4],
    ] as const) {
      for (let i = 0; i < n; i++) meter.record('app_w', 'notes', 'listNotes', 200, hour);
    }
    await meter.close();
    const em = orms[0].em.fork();
    const hours = await readUsage(em, { appId: 'app_w', from: '2026-10-01T09:00:00Z', to: '2026-10-03T00:00:00Z' });
    expect(hours.items.map((i) => [i.period, i.count])).toEqual([
      ['2026-10-01T09:00:00.000Z', 3],
      ['2026-10-02T00:00:00.000Z', 4],
    ]);
    const days = await readUsage(em, { appId: 'app_w', granularity: 'day' });
    expect(days.items.map((i) => [i.period, i.count])).toEqual([
      ['2026-10-01T00:00:00.000Z', 5],
      ['2026-10-02T00:00:00.000Z', 4],
    ]);
    expect((await readUsage(em, { appId: 'app_w', to: '2026-10-01T09:00:00Z' })).items.map((i) => i.count)).toEqual([2]);
  });
});
