/**
 * The push asset end to end through the real platform (API → database → queue → worker), with the REAL
 * firebase-admin and @parse/node-apn senders dialling the loopback fakes: mixed outcomes across iOS and Android,
 * token retirement (and Apple's 410 timestamp rule), retries after throttling, idempotent sends, reports whose
 * totals equal their per-recipient results, localization, scheduling and cancellation, and tenancy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { availableBackends } from '../support/backends.js';
import {
  api,
  iosToken,
  type PushFakes,
  type Report,
  register,
  secondApp,
  settledReport,
  startFakes,
  startPushPlatform,
  uploadFakeCredentials,
  waitFor,
} from './platform-support.js';

const backends = await availableBackends();

/** Totals recomputed from the per-recipient rows, the way a client would check the report. */
const countRecipients = (r: Report) => {
  const by = (s: string) => r.recipients.filter((x) => x.status === s).length;
  return {
    recipients: r.recipients.length,
    queued: by('queued'),
    delivered: by('delivered'),
    failed: by('failed'),
    unregistered: by('unregistered'),
    cancelled: by('cancelled'),
    retired: r.recipients.filter((x) => x.tokenRetired).length,
    retried: r.recipients.reduce((n, x) => n + Math.max(0, x.attempts - 1), 0),
  };
};

describe.each(backends)('push delivery on $name', (backend) => {
  let platform: TestPlatform;
  let fakes: PushFakes;
  let drop: () => Promise<void>;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    fakes = await startFakes();
    const db = await backend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, fakes.config);
    call = api(platform);
    await uploadFakeCredentials(platform, fakes);
  });
  afterAll(async () => {
    await platform?.close();
    await fakes?.stop();
    await drop?.();
  });

  it('delivers to iOS and Android with mixed outcomes, retires dead tokens and reports totals equal to the results', async () => {
    const stale = iosToken(4);
    const devices = await register(platform, [
      { platform: 'android', token: 'and-ok-1', tags: ['mix'], locale: 'fr-CA' },
      { platform: 'android', token: 'and-ok-2', tags: ['mix'] },
      { platform: 'web', token: 'web-ok-1', tags: ['mix'] },
      { platform: 'android', token: 'and-gone', tags: ['mix'] },
      { platform: 'android', token: 'and-foreign', tags: ['mix'] },
      { platform: 'ios', token: iosToken(1), tags: ['mix'], locale: 'fr' },
      { platform: 'ios', token: iosToken(2), tags: ['mix'] },
      { platform: 'ios', token: iosToken(3), tags: ['mix'] },
      { platform: 'ios', token: stale, tags: ['mix'] },
      { platform: 'ios', token: iosToken(5), tags: ['mix'] },
      { platform: 'android', token: 'and-untagged' },
    ]);
    fakes.fcm.setTokenOutcome('and-gone', 'UNREGISTERED');
    fakes.fcm.setTokenOutcome('and-foreign', 'SENDER_ID_MISMATCH');
    fakes.apns.setTokenOutcome(iosToken(3), { reason: 'Unregistered', timestamp: Date.now() + 60_000 });
    // Apple says this token died an hour before the device registered it (again): the token is kept.
    fakes.apns.setTokenOutcome(stale, { reason: 'Unregistered', timestamp: Date.now() - 3_600_000 });
    fakes.apns.setTokenOutcome(iosToken(5), 'BadDeviceToken');

    const accepted = await call<{ id: string; status: string; recipients: number }>('POST', '/sends', {
      target: { tags: 'mix' },
      notification: { title: 'Hello', body: 'World', localized: { fr: { title: 'Bonjour', body: 'Le monde' } }, data: { n: 1 } },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'queued', recipients: 10 });

    const report = await settledReport(platform, accepted.body.id);
    const statusOf = (token: string) => report.recipients.find((r) => r.token === token);
    expect(report.status).toBe('completed');
    expect(statusOf('and-ok-1')).toMatchObject({ status: 'delivered', provider: 'fcm' });
    expect(statusOf('and-ok-1')?.providerMessageId).toMatch(/^projects\/proj-.+\/messages\//);
    expect(statusOf('web-ok-1')?.status).toBe('delivered');
    expect(statusOf(iosToken(1))).toMatchObject({ status: 'delivered', provider: 'apns' });
    expect(statusOf('and-gone')).toMatchObject({ status: 'unregistered', reason: 'UNREGISTERED', tokenRetired: true });
    expect(statusOf('and-foreign')).toMatchObject({ status: 'failed', reason: 'SENDER_ID_MISMATCH', attempts: 1 });
    expect(statusOf(iosToken(3))).toMatchObject({ status: 'unregistered', reason: 'Unregistered', tokenRetired: true });
    expect(statusOf(stale)).toMatchObject({ status: 'unregistered', tokenRetired: false });
    expect(statusOf(iosToken(5))).toMatchObject({ status: 'failed', reason: 'BadDeviceToken', attempts: 1 });
    expect(report.recipients.some((r) => r.token === 'and-untagged')).toBe(false);

    expect(report.totals).toEqual(countRecipients(report));
    expect(report.totals).toMatchObject({ recipients: 10, delivered: 5, failed: 2, unregistered: 3, retired: 2, retried: 0, queued: 0 });

    // Permanent failures are never retried: each provider saw those tokens exactly once.
    expect(fakes.fcm.received('and-foreign')).toHaveLength(1);
    expect(fakes.apns.received(iosToken(5))).toHaveLength(1);

    // Localized by device locale: fr-CA falls back to fr; a device without a locale gets the defaults.
    const fcmTitle = (t: string) => (fakes.fcm.received(t)[0].message?.message.notification as { title?: string })?.title;
    expect(fcmTitle('and-ok-1')).toBe('Bonjour');
    expect(fcmTitle('and-ok-2')).toBe('Hello');
    const apsOf = (t: string) => (fakes.apns.received(t)[0].message?.payload as { aps: { alert: { title: string } } } | undefined)?.aps;
    expect(apsOf(iosToken(1))?.alert.title).toBe('Bonjour');

    // Retired devices leave the registry's active set; the stale 410 left its device alone.
    const byToken = async (token: string) => (await call<{ items: { status: string }[] }>('GET', `/devices?token=${token}`)).body.items[0];
    expect((await byToken('and-gone')).status).toBe('retired');
    expect((await byToken(stale)).status).toBe('active');
    expect((await byToken('and-ok-1')).status).toBe('active');
    expect(devices).toHaveLength(11);

    // Filtering the report by status pages through exactly those recipients.
    const failed = await call<Report>('GET', `/sends/${accepted.body.id}?status=failed`);
    expect(failed.body.recipients.map((r) => r.status)).toEqual(['failed', 'failed']);
    const page1 = await call<Report>('GET', `/sends/${accepted.body.id}?limit=4`);
    const page2 = await call<Report>('GET', `/sends/${accepted.body.id}?limit=4&cursor=${page1.body.nextCursor}`);
    const page3 = await call<Report>('GET', `/sends/${accepted.body.id}?limit=4&cursor=${page2.body.nextCursor}`);
    expect(page3.body.nextCursor).toBeNull();
    expect(new Set([...page1.body.recipients, ...page2.body.recipients, ...page3.body.recipients].map((r) => r.id)).size).toBe(10);
  });

  it('retries a throttled recipient after Retry-After, once, and counts the retry', async () => {
    await register(platform, [{ platform: 'android', token: 'and-throttled', userId: 'u-throttle' }]);
    fakes.fcm.throttle({ requests: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const accepted = await call<{ id: string }>('POST', '/sends', { target: { userId: 'u-throttle' }, notification: { body: 'later' } });
    const report = await settledReport(platform, accepted.body.id);
    expect(report.recipients[0]).toMatchObject({ status: 'delivered', attempts: 2, reason: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(report.totals).toMatchObject({ delivered: 1, retried: 1 });
    expect(fakes.fcm.received('and-throttled').map((r) => r.status)).toEqual([429, 200]);
  });

  it('treats a retried request with the same Idempotency-Key as one send', async () => {
    await register(platform, [{ platform: 'android', token: 'and-idem', userId: 'u-idem' }]);
    const body = { target: { userId: 'u-idem' }, notification: { title: 'once' } };
    const key = { 'idempotency-key': `k-${backend.name}` };
    const [a, b] = await Promise.all([
      call<{ id: string; duplicate: boolean }>('POST', '/sends', body, key),
      call<{ id: string; duplicate: boolean }>('POST', '/sends', body, key),
    ]);
    const c = await call<{ id: string; duplicate: boolean }>('POST', '/sends', body, key);
    expect([a.status, b.status, c.status]).toEqual([202, 202, 202]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
    expect([a.body.duplicate, b.body.duplicate, c.body.duplicate].filter((d) => !d)).toHaveLength(1);
    await settledReport(platform, a.body.id);
    expect(fakes.fcm.deliveredCount('and-idem')).toBe(1);

    const reused = await call<{ code: string }>('POST', '/sends', { ...body, notification: { title: 'other' } }, key);
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('treats racing requests with the same Idempotency-Key as one send for a device list too (one statement on MariaDB)', async () => {
    const [device] = await register(platform, [{ platform: 'android', token: 'and-idem-list' }]);
    const body = { target: { deviceIds: [device.id] }, notification: { title: 'once', data: { n: 1 } } };
    const key = { 'idempotency-key': `k-list-${backend.name}` };
    const racing = await Promise.all(
      Array.from({ length: 3 }, () => call<{ id: string; duplicate: boolean; recipients: number }>('POST', '/sends', body, key)),
    );
    expect(racing.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect(racing.filter((r) => !r.body.duplicate)).toHaveLength(1);
    const report = await settledReport(platform, racing[0].body.id);
    expect(report).toMatchObject({ status: 'completed', totals: { recipients: 1, delivered: 1 } });
    expect(fakes.fcm.deliveredCount('and-idem-list')).toBe(1);
    // The row written in one statement reads back as the ORM writes it: the JSON target, the times.
    const listed = await call<{ items: { id: string; target: unknown; createdAt: string; sendAt: string | null }[] }>('GET', '/sends');
    const row = listed.body.items.find((s) => s.id === racing[0].body.id);
    expect(row).toMatchObject({ target: body.target, sendAt: null });
    expect(Math.abs(Date.parse(row?.createdAt ?? '') - Date.now())).toBeLessThan(60_000);
  });

  it('holds a scheduled send until its time, and a cancelled one forever', async () => {
    await register(platform, [{ platform: 'android', token: 'and-later', userId: 'u-later' }]);
    const soon = new Date(Date.now() + 1500).toISOString();
    const later = await call<{ id: string; status: string }>('POST', '/sends', {
      target: { userId: 'u-later' },
      notification: { title: 'soon' },
      sendAt: soon,
    });
    expect(later.body.status).toBe('scheduled');
    const never = await call<{ id: string; status: string }>('POST', '/sends', {
      target: { userId: 'u-later' },
      notification: { title: 'never' },
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const cancelled = await call<{ status: string; totals: { cancelled: number } }>('POST', `/sends/${never.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', totals: { cancelled: 1 } });
    expect((await call<{ code: string }>('POST', `/sends/${never.body.id}/cancel`)).body.code).toBe('SEND_NOT_CANCELLABLE');

    expect(fakes.fcm.received('and-later')).toHaveLength(0);
    const report = await settledReport(platform, later.body.id);
    expect(report.status).toBe('completed');
    expect(fakes.fcm.received('and-later')).toHaveLength(1);
    expect(fakes.fcm.received('and-later')[0].at).toBeGreaterThanOrEqual(Date.parse(soon));
    expect((await call<{ code: string }>('POST', `/sends/${later.body.id}/cancel`)).status).toBe(409);
  });

  it("keeps apps apart: another app's key sees none of these sends or devices, and its own sends use the simulator", async () => {
    const other = await secondApp(platform);
    const theirs = api(platform, other);
    const [mine] = await register(platform, [{ platform: 'android', token: 'and-mine', userId: 'u-mine' }]);
    const sent = await call<{ id: string }>('POST', '/sends', { target: { userId: 'u-mine' }, notification: { title: 'x' } });
    expect((await theirs('GET', `/sends/${sent.body.id}`)).status).toBe(404);
    expect((await theirs('POST', `/sends/${sent.body.id}/cancel`)).status).toBe(404);
    expect((await theirs('GET', `/devices/${mine.id}`)).status).toBe(404);
    expect((await theirs('DELETE', `/devices/${mine.id}`)).status).toBe(404);
    expect((await theirs<{ items: unknown[] }>('GET', '/devices')).body.items).toEqual([]);
    expect((await theirs<{ items: unknown[] }>('GET', '/sends')).body.items).toEqual([]);
    // The owner's list: newest first, paged, each with its totals.
    type Page = { items: { id: string; totals: { recipients: number } }[]; nextCursor: string | null };
    const first = await call<Page>('GET', '/sends?limit=2');
    expect(first.body.items[0]).toMatchObject({ id: sent.body.id, totals: { recipients: 1 } });
    const second = await call<Page>('GET', `/sends?limit=2&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((x) => x.id);
    expect(new Set(ids).size).toBe(4);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect((await theirs('POST', '/sends', { target: { deviceIds: [mine.id] }, notification: { title: 'x' } })).status).toBe(400);
    expect((await theirs<{ fcm: unknown; apns: unknown }>('GET', '/credentials')).body).toEqual({ fcm: null, apns: null });

    await settledReport(platform, sent.body.id);
    // Without credentials of its own the app gets the recording simulator, never the first app's providers.
    await register(
      platform,
      [
        { platform: 'ios', token: 'sim-ok', userId: 'u-sim' },
        { platform: 'android', token: 'sim-unregistered', userId: 'u-sim' },
      ],
      other,
    );
    const before = fakes.fcm.stats().requests + fakes.apns.stats().requests;
    const simSend = await theirs<{ id: string }>('POST', '/sends', { target: { userId: 'u-sim' }, notification: { title: 'sim' } });
    const report = await settledReport(platform, simSend.body.id, other);
    expect(report.recipients.map((r) => [r.token, r.status, r.provider])).toEqual([
      ['sim-ok', 'delivered', 'simulator'],
      ['sim-unregistered', 'unregistered', 'simulator'],
    ]);
    expect(fakes.fcm.stats().requests + fakes.apns.stats().requests).toBe(before);
  });

  it('answers 202 at once while the queue holds the work, then settles (the send is durable before it is queued)', async () => {
    await register(platform, [{ platform: 'android', token: 'and-slow', userId: 'u-slow' }]);
    fakes.fcm.setLatency(300);
    try {
      const t0 = Date.now();
      const accepted = await call<{ id: string; status: string }>('POST', '/sends', {
        target: { userId: 'u-slow' },
        notification: { title: 's' },
      });
      expect(Date.now() - t0).toBeLessThan(300);
      expect(accepted.body.status).toBe('queued');
      const mid = await waitFor(async () => (await call<Report>('GET', `/sends/${accepted.body.id}`)).body.status === 'sending', 3000, 10);
      expect(mid).toBe(true);
      expect((await settledReport(platform, accepted.body.id)).status).toBe('completed');
    } finally {
      fakes.fcm.setLatency(0);
    }
  });
});
