/** @module Helpers shared by the background tests: start a platform with the bgtest fixture, read its event table. */
import type { MikroORM } from '@mikro-orm/core';
import type { QueueService } from '@switchboard/sdk';
import type { CoreConfig } from '../../core/src/config/config.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';

export const FIXTURE = './test/background/fixtures/bgtest';

export const startBgPlatform = (databaseUrl: string, overrides: Partial<CoreConfig> = {}, longJobMs = 0): Promise<TestPlatform> =>
  startTestPlatform({
    plugins: [FIXTURE],
    databaseUrl,
    pluginConfig: { bgtest: { longJobMs } },
    overrides: { schedulerPollMs: 50, queuePollMs: 50, jobLeaseMs: 2000, drainMs: 3000, ...overrides },
  });

export const queueOf = (p: TestPlatform): QueueService => p.plugins[0].services.queue as QueueService;

export interface EventRow {
  kind: string;
  k: string;
  n: number;
  replica: string;
  at_ms: number;
}

export const events = async (orm: MikroORM, kind?: string): Promise<EventRow[]> => {
  const rows: EventRow[] = await orm.em
    .fork()
    .getConnection()
    .execute<EventRow[]>(
      kind ? 'select * from bgtest_event where kind = ? order by id' : 'select * from bgtest_event order by id',
      kind ? [kind] : [],
    );
  return rows.map((r) => ({ ...r, n: Number(r.n), at_ms: Number(r.at_ms) }));
};

/** Polls until `check` returns a truthy value or the deadline passes (then returns the last value). */
export const waitFor = async <T>(check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

/** The admin API's background operations (`/admin/v1/background/...`), called with the harness operator's token. */
export const adminApi = (platform: TestPlatform) => ({
  request: (path: string, init: { method?: string } = {}): Promise<Response> =>
    platform.call(init.method ?? 'GET', `/admin/v1/background${path}`, { as: 'admin' }),
});

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
