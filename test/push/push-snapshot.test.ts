/**
 * The recipient snapshot built by the database (one INSERT … SELECT for user, tag and `all` targets) on SQLite and
 * MariaDB: the same devices as the registry's own search, in id order, `chunkSize` per chunk with one outbox row per
 * chunk, retired and other apps' devices left out, tag expressions with and, or, not and parentheses, and the
 * timestamps readable by the ORM. A list target goes through the process and must give the same shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends } from '../support/backends.js';
import { api, register, secondApp, settledReport, startPushPlatform } from './platform-support.js';

const backends = await availableBackends();

interface Row {
  chunk: number;
  device_id: string;
  token: string;
  platform: string;
  locale: string | null;
  status: string;
  attempts: number;
  token_retired: number | boolean;
}

describe.each(backends)('push recipient snapshot on $name', (backend) => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const db = await backend.create();
    drop = db.drop;
    // Batches of two devices: the snapshot of seven takes four INSERT … SELECT statements.
    platform = await startPushPlatform(db.url, { simulator: 'always', chunkSize: 3, snapshotBatchSize: 2 });
    const tags = [['news', 'fr'], ['news', 'be'], ['news', 'beta', 'fr'], ['sport'], ['news'], ['fr'], ['news', 'fr'], []];
    const devices = tags.map((t, i) => ({
      platform: (i % 2 ? 'ios' : 'android') as 'ios' | 'android',
      token: `snap-${i}`,
      userId: i < 4 ? 'alice' : 'bob',
      tags: t,
      locale: i === 0 ? 'fr-FR' : undefined,
    }));
    for (const d of await register(platform, devices)) ids[d.token] = d.id;
    // A retired device and another app's device with the same tags are never recipients.
    await api(platform)('DELETE', `/devices/${ids['snap-7']}`);
    await register(platform, [{ platform: 'android', token: 'other-app', tags: ['news', 'fr'] }], await secondApp(platform));
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  const rowsOf = async (sendId: string): Promise<Row[]> =>
    platform.orm.em
      .fork()
      .getConnection()
      .execute(
        'select chunk, device_id, token, platform, locale, status, attempts, token_retired from push_recipient where send_id = ? order by id',
        [sendId],
      );
  const chunksOf = async (sendId: string) =>
    (await platform.orm.em.fork().getConnection().execute('select seq from push_chunk where send_id = ? order by seq', [sendId])).map(
      (r: { seq: number }) => Number(r.seq),
    );
  const send = async (target: Record<string, unknown>) => {
    const res = await api(platform)<{ id: string; recipients: number }>('POST', '/sends', { target, notification: { title: 's' } });
    expect(res.status, res.text).toBe(202);
    return res.body;
  };

  it('snapshots every active device of the app in id order, three per chunk', async () => {
    const accepted = await send({ all: true });
    expect(accepted.recipients).toBe(7);
    const rows = await rowsOf(accepted.id);
    expect(rows.map((r) => r.token)).toEqual(['snap-0', 'snap-1', 'snap-2', 'snap-3', 'snap-4', 'snap-5', 'snap-6']);
    expect(rows.map((r) => Number(r.chunk))).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(rows[0]).toMatchObject({ device_id: ids['snap-0'], platform: 'android', locale: 'fr-FR', status: 'queued' });
    expect(rows.every((r) => Number(r.attempts) === 0 && !Number(r.token_retired))).toBe(true);
    expect(await chunksOf(accepted.id)).toEqual([0, 1, 2]);
    const report = await settledReport(platform, accepted.id);
    expect(report.totals).toMatchObject({ recipients: 7, delivered: 7 });
  });

  it('compiles tag expressions and user targets to the same devices as the device search', async () => {
    const tokens = async (target: Record<string, unknown>) => (await rowsOf((await send(target)).id)).map((r) => r.token);
    expect(await tokens({ tags: 'news && fr && !beta' })).toEqual(['snap-0', 'snap-6']);
    expect(await tokens({ tags: '(be || sport) || (fr && !news)' })).toEqual(['snap-1', 'snap-3', 'snap-5']);
    expect(await tokens({ tags: '!news' })).toEqual(['snap-3', 'snap-5']);
    expect(await tokens({ userId: 'alice' })).toEqual(['snap-0', 'snap-1', 'snap-2', 'snap-3']);
    const none = await send({ userId: 'nobody' });
    expect(none.recipients).toBe(0);
    expect(await chunksOf(none.id)).toEqual([]);
    const bad = await api(platform)('POST', '/sends', { target: { tags: 'news &&' }, notification: { title: 's' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { code: string }).code).toBe('INVALID_TAG_EXPRESSION');
  });

  it('gives a device list the same shape through the process', async () => {
    const accepted = await send({ deviceIds: [ids['snap-4'], ids['snap-0'], ids['snap-2'], ids['snap-1']] });
    const rows = await rowsOf(accepted.id);
    expect(rows.map((r) => r.token)).toEqual(['snap-0', 'snap-1', 'snap-2', 'snap-4']);
    expect(rows.map((r) => Number(r.chunk))).toEqual([0, 0, 0, 1]);
    const report = await settledReport(platform, accepted.id);
    expect(report.totals).toMatchObject({ recipients: 4, delivered: 4 });
  });
});
