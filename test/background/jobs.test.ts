/**
 * Jobs on SQLite and the machine's MariaDB, one replica in-process: every tick runs exactly once, run history,
 * run-now through the admin routes, pause while the asset is disabled (then catch-up), and a run interrupted by a
 * shutdown resumed by the next replica to start.
 */
process.env.BGTEST_TICK_JOBS = '3';
process.env.BGTEST_EVERY = '200ms';
process.env.BGTEST_SKIP_JOB = '1';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends } from '../support/backends.js';
import { adminApi, type EventRow, events, startBgPlatform, waitFor } from './support.js';

const backends = await availableBackends();

/** Per job: its ticks in order; fails the test on any duplicate or gap. */
const expectEveryTickOnce = (rows: EventRow[], everyMs: number) => {
  const byJob = new Map<string, number[]>();
  for (const r of rows) byJob.set(r.k, [...(byJob.get(r.k) ?? []), r.n]);
  for (const [job, ticks] of byJob) {
    const sorted = [...ticks].sort((a, b) => a - b);
    expect(new Set(sorted).size, `${job} ran a tick twice`).toBe(sorted.length);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1], `${job} missed a tick`).toBe(everyMs);
  }
  return byJob;
};

describe.each(backends)('jobs on $name', (backend) => {
  let platform: TestPlatform;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ url, drop } = await backend.create());
    platform = await startBgPlatform(url, {}, 1500);
    expect(platform.loadErrors).toEqual([]);
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('runs every tick of every job exactly once and records the runs', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const byJob = expectEveryTickOnce(await events(platform.orm, 'tick'), 200);
    expect([...byJob.keys()].sort()).toEqual(['tick-00', 'tick-01', 'tick-02']);
    for (const ticks of byJob.values()) expect(ticks.length).toBeGreaterThanOrEqual(5);
    const history = await platform.background.scheduler.history('bgtest.tick-00');
    expect(history.length).toBeGreaterThanOrEqual(5);
    expect(history.filter((r) => r.outcome !== 'running').every((r) => r.outcome === 'succeeded')).toBe(true);
  });

  it('lists jobs with their last run, and an operator can trigger one now', async () => {
    const app = adminApi(platform);
    const list = await (await app.request('/jobs')).json();
    expect(list.items.map((j: { key: string }) => j.key).filter((k: string) => !k.includes('@'))).toEqual([
      'bgtest.long',
      'bgtest.skippy',
      'bgtest.tick-00',
      'bgtest.tick-01',
      'bgtest.tick-02',
      'bgtest.too-slow',
    ]);
    expect(list.items.find((j: { key: string }) => j.key === 'bgtest.tick-00').lastRun).toMatchObject({ jobKey: 'bgtest.tick-00' });

    const res = await app.request('/jobs/bgtest.long/run', { method: 'POST' });
    expect(res.status).toBe(202);
    const ended = await waitFor(async () => (await events(platform.orm, 'long-end')).length === 1, 5000);
    expect(ended).toBe(true);
    const runs = await (await app.request('/jobs/bgtest.long/runs')).json();
    expect(runs.items[0]).toMatchObject({ trigger: 'manual', outcome: 'succeeded', attempt: 1 });

    const missing = await app.request('/jobs/bgtest.nope/run', { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'JOB_NOT_FOUND', status: 404 });
  });

  it('pauses the jobs of a disabled asset, then catches up every missed tick once', async () => {
    platform.background.setAssetEnabledCheck((id) => id !== 'bgtest');
    await new Promise((r) => setTimeout(r, 300)); // let a run that was already claimed finish
    const before = (await events(platform.orm, 'tick')).length;
    await new Promise((r) => setTimeout(r, 800));
    expect((await events(platform.orm, 'tick')).length).toBe(before);
    platform.background.setAssetEnabledCheck(() => true);
    await new Promise((r) => setTimeout(r, 1000));
    const byJob = expectEveryTickOnce(await events(platform.orm, 'tick'), 200);
    // Four ticks passed while paused; catch-up ran them all (the gap check above would fail otherwise).
    expect(Math.min(...[...byJob.values()].map((t) => t.length))).toBeGreaterThan(before / 3 + 4);
    // The `skip` job instead recorded the missed ticks as skipped and ran only the latest: a gap in its ticks.
    const skippy = (await events(platform.orm, 'skippy')).map((e) => e.n);
    expect(new Set(skippy).size).toBe(skippy.length);
    expect(Math.max(...skippy.slice(1).map((t, i) => t - skippy[i]))).toBeGreaterThanOrEqual(800);
    const skipped = (await platform.background.scheduler.history('bgtest.skippy', 100)).filter((r) => r.outcome === 'skipped');
    // Under load a 200 ms job may also skip a single superseded tick now and then; the pause skipped several at once.
    expect(skipped.some((r) => /^([3-9]|\d\d+) missed tick\(s\) skipped/.test(r.error ?? ''))).toBe(true);
  });

  it('aborts a run at its timeout and records it as timed out', async () => {
    await platform.background.scheduler.trigger('bgtest.too-slow');
    const run = await waitFor(async () => (await platform.background.scheduler.history('bgtest.too-slow'))[0]?.finishedAt, 3000);
    expect(run).toBeTruthy();
    const [last] = await platform.background.scheduler.history('bgtest.too-slow');
    expect(last).toMatchObject({ outcome: 'timed-out', error: 'timed out after 100 ms', trigger: 'manual' });
    expect(last.finishedAt && last.finishedAt.getTime() - last.startedAt.getTime()).toBeLessThan(1000);
  });

  it('runs a local job on its own replica, keyed by the replica id', async () => {
    const jobs = await platform.background.scheduler.list();
    const local = jobs.find((j) => j.name === 'everywhere');
    expect(local?.key).toBe(`bgtest.everywhere@${platform.config.replicaId}`);
    expect(local?.scope).toBe('local');
    expect((await events(platform.orm, 'local')).length).toBeGreaterThan(3);
  });

  it('resumes a run interrupted by a shutdown on the next replica that starts', async () => {
    await platform.close();
    const first = await startBgPlatform(url, { drainMs: 100 }, 30_000);
    const before = (await events(first.orm, 'long-start')).length;
    await first.background.scheduler.trigger('bgtest.long');
    const started = await waitFor(async () => (await events(first.orm, 'long-start')).length === before + 1);
    expect(started).toBe(true);
    await first.close(); // drain of 100 ms: the 30 s run is interrupted and its lease released
    platform = await startBgPlatform(url, {}, 200);
    const resumed = await waitFor(async () => (await events(platform.orm, 'long-end')).some((e) => e.k === 'takeover'), 5000);
    expect(resumed).toBe(true);
    // The run row is closed just after `run` returns.
    await waitFor(async () => (await platform.background.scheduler.history('bgtest.long', 1))[0]?.outcome !== 'running', 2000);
    const runs = await platform.background.scheduler.history('bgtest.long', 2);
    expect(runs.map((r) => [r.trigger, r.outcome, r.attempt])).toEqual([
      ['takeover', 'succeeded', 2],
      ['manual', 'interrupted', 1],
    ]);
  });
});
