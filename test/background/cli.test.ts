/** The operators' background commands, run as child processes against a database a platform has used. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../support/backends.js';
import { POISON_QUEUE } from './fixtures/bgtest/src/plugin.js';
import { events, queueOf, startBgPlatform, waitFor } from './support.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

describe('npx switchboard jobs / queues / dead-letters', () => {
  let url: string;
  let drop: () => Promise<void>;
  let deadId: string;
  const cli = (...args: string[]) =>
    run(process.execPath, [join(root, 'core/bin/switchboard.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, SWITCHBOARD_PLUGINS: './test/background/fixtures/bgtest', LOG_LEVEL: 'error' },
    });

  beforeAll(async () => {
    ({ url, drop } = await sqliteBackend.create());
    const platform = await startBgPlatform(url);
    const { id } = await queueOf(platform).publish(POISON_QUEUE, { x: 1 }, { idempotencyKey: 'cli-1' });
    deadId = id;
    await waitFor(async () => (await platform.background.queue.deadLetters(`bgtest.${POISON_QUEUE}`)).length === 1);
    await platform.close();
  });
  afterAll(async () => drop?.());

  it('lists jobs, requests a run that the next replica performs, and shows its history', async () => {
    expect((await cli('jobs')).stdout).toMatch(/bgtest\.long\s+cron 0 \* \* \* \*\s+next \S+\s+never ran/);
    expect((await cli('jobs', 'run', 'bgtest.long')).stdout).toContain('requested: bgtest.long');
    const platform = await startBgPlatform(url);
    await waitFor(async () => (await events(platform.orm, 'long-end')).length === 1, 5000);
    await platform.close();
    expect((await cli('jobs', 'runs', 'bgtest.long')).stdout).toMatch(/succeeded\s+tick \S+ attempt 1 manual on /);
    const missing = await cli('jobs', 'run', 'bgtest.nope').catch((e: { code: number; stdout: string }) => e);
    expect(missing).toMatchObject({ code: 1 });
    expect((missing as { stdout: string }).stdout).toContain("no job 'bgtest.nope'");
  });

  it('shows queue depths and dead letters, and drops one', async () => {
    expect((await cli('queues')).stdout).toMatch(new RegExp(`bgtest\\.${POISON_QUEUE}\\s+ready 0\\s+in flight 0\\s+dead 1`));
    const listed = (await cli('dead-letters', `bgtest.${POISON_QUEUE}`)).stdout;
    expect(listed).toContain(`${deadId}  attempts 3`);
    expect(listed).toContain('key cli-1  poison: cannot process (attempt 3)');
    expect((await cli('dead-letters', 'drop', `bgtest.${POISON_QUEUE}`, deadId)).stdout).toContain(`dropped ${deadId}`);
    const audit = (await cli('audit', '--limit', '5')).stdout;
    expect(audit).toContain(`system:cli  dead-letter.drop  dead-letter:${deadId}`);
    expect(audit).toContain('system:cli  job.run  job:bgtest.long');
    expect((await cli('queues')).stdout).toMatch(new RegExp(`bgtest\\.${POISON_QUEUE}\\s+ready 0\\s+in flight 0\\s+dead 0`));
  });
});
