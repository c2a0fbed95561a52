/**
 * The device registry through the real platform: registering the same token again is the same device (also when
 * it races), updates and unregistering, searching with filters, and cursor pagination that neither skips nor repeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends } from '../support/backends.js';
import { api, register, startPushPlatform } from './platform-support.js';

const backends = await availableBackends();

interface Device {
  id: string;
  token: string;
  userId: string | null;
  tags: string[];
  locale: string | null;
  timeZone: string | null;
  status: string;
  registeredAt: string;
  createdAt: string;
}

describe.each(backends)('push devices on $name', (backend) => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    const db = await backend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, {});
    call = api(platform);
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('registers a token once: registering it again (even concurrently) updates the same device', async () => {
    const first = await call<Device>('POST', '/devices', {
      platform: 'android',
      token: 'tok-idem',
      userId: 'u1',
      tags: ['a'],
      locale: 'en-GB',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ userId: 'u1', tags: ['a'], locale: 'en-GB', status: 'active' });
    await new Promise((r) => setTimeout(r, 5));
    const again = await call<Device>('POST', '/devices', { platform: 'android', token: 'tok-idem', tags: ['b'], timeZone: 'Europe/Paris' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, userId: 'u1', tags: ['b'], locale: 'en-GB', timeZone: 'Europe/Paris' });
    expect(Date.parse(again.body.registeredAt)).toBeGreaterThan(Date.parse(first.body.registeredAt));
    expect(again.body.createdAt).toBe(first.body.createdAt);

    const racing = await Promise.all(
      Array.from({ length: 5 }, () => call<Device>('POST', '/devices', { platform: 'ios', token: 'tok-race' })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect((await call<{ items: Device[] }>('GET', '/devices?token=tok-race')).body.items).toHaveLength(1);
  });

  it('updates, refuses unknown time zones, and unregisters', async () => {
    const [d] = await register(platform, [{ platform: 'web', token: 'tok-upd' }]);
    const patched = await call<Device>('PATCH', `/devices/${d.id}`, { userId: 'u9', tags: ['x', 'y'], locale: 'fr' });
    expect(patched.body).toMatchObject({ userId: 'u9', tags: ['x', 'y'], locale: 'fr' });
    const bad = await call<{ code: string; details: { pointer: string } }>('PATCH', `/devices/${d.id}`, { timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_TIME_ZONE', details: { pointer: '/body/timeZone' } });
    const badTag = await call<{ code: string }>('POST', '/devices', { platform: 'web', token: 't', tags: ['no spaces'] });
    expect(badTag.status).toBe(400);
    expect(badTag.body.code).toBe('VALIDATION_FAILED');
    expect((await call('DELETE', `/devices/${d.id}`)).status).toBe(204);
    expect((await call('GET', `/devices/${d.id}`)).status).toBe(404);
    expect((await call('DELETE', `/devices/${d.id}`)).status).toBe(404);
  });

  it('pages through devices with a cursor, without skipping or repeating, under filters', async () => {
    await register(
      platform,
      Array.from({ length: 23 }, (_, i) => ({
        platform: i % 2 ? ('ios' as const) : ('android' as const),
        token: `page-${String(i).padStart(2, '0')}`,
        userId: `pager-${i % 3}`,
        tags: i % 4 === 0 ? ['four', 'pager'] : ['pager'],
      })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: Device[]; nextCursor: string | null } } = await call(
        'GET',
        `/devices?tag=pager&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...res.body.items.map((d) => d.token));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, '0')}`));

    const four = await call<{ items: Device[] }>('GET', '/devices?tag=four&limit=100');
    expect(four.body.items.map((d) => d.token)).toEqual(['page-00', 'page-04', 'page-08', 'page-12', 'page-16', 'page-20']);
    const user = await call<{ items: Device[] }>('GET', '/devices?userId=pager-1&platform=ios&limit=100');
    expect(user.body.items.map((d) => d.token)).toEqual(['page-01', 'page-07', 'page-13', 'page-19']);
    const bogus = await call<{ code: string }>('GET', '/devices?cursor=bm9wZQ');
    expect(bogus.status).toBe(400);
    expect(bogus.body.code).toBe('INVALID_CURSOR');
  });

  it('targets tag expressions exactly', async () => {
    await register(platform, [
      { platform: 'android', token: 'expr-news-fr', tags: ['news', 'fr'] },
      { platform: 'android', token: 'expr-news-be', tags: ['news', 'be'] },
      { platform: 'android', token: 'expr-news-fr-beta', tags: ['news', 'fr', 'beta'] },
      { platform: 'android', token: 'expr-sport-fr', tags: ['sport', 'fr'] },
    ]);
    const send = await call<{ id: string; recipients: number }>('POST', '/sends', {
      target: { tags: 'news && (fr || be) && !beta' },
      notification: { title: 't' },
    });
    expect(send.body.recipients).toBe(2);
    const report = await call<{ recipients: { token: string }[] }>('GET', `/sends/${send.body.id}`);
    expect(report.body.recipients.map((r) => r.token).sort()).toEqual(['expr-news-be', 'expr-news-fr']);
    const bad = await call<{ code: string }>('POST', '/sends', { target: { tags: 'news && (fr' }, notification: { title: 't' } });
    expect(bad.body.code).toBe('INVALID_TAG_EXPRESSION');
    const two = await call<{ code: string }>('POST', '/sends', { target: { tags: 'news', all: true }, notification: { title: 't' } });
    expect(two.body.code).toBe('INVALID_TARGET');
  });
});
