/** An operator disables an asset through the admin API: its jobs and workers pause; enabled again, they resume. */
process.env.BGTEST_TICK_JOBS = '1';
process.env.BGTEST_EVERY = '200ms';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { sqliteBackend } from '../support/backends.js';
import { events, queueOf, startBgPlatform, waitFor } from './support.js';

describe('background work follows the asset toggle', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  const state = (enabled: boolean) => platform.call('PUT', '/admin/v1/assets/bgtest/state', { as: 'admin', json: { enabled } });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startBgPlatform(db.url);
    expect(platform.loadErrors).toEqual([]);
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('pauses jobs and workers while the asset is disabled', async () => {
    expect(await waitFor(async () => (await events(platform.orm, 'tick')).length >= 2)).toBe(true);
    expect((await state(false)).status).toBe(200);
    await sleep(400); // a run claimed just before the toggle may still finish
    const ticks = (await events(platform.orm, 'tick')).length;
    await queueOf(platform).publish('work', { n: 1 }, { idempotencyKey: 'while-disabled' });
    await sleep(800);
    expect((await events(platform.orm, 'tick')).length).toBe(ticks);
    expect((await events(platform.orm, 'work')).length).toBe(0);

    expect((await state(true)).status).toBe(200);
    expect(await waitFor(async () => (await events(platform.orm, 'work')).some((e) => e.k === 'while-disabled'), 5000)).toBe(true);
    expect(await waitFor(async () => (await events(platform.orm, 'tick')).length > ticks + 3, 5000)).toBe(true);
  });
});
