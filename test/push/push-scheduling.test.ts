/**
 * Scheduling in each device's local time zone, and the small pure pieces the send path relies on: time-zone
 * arithmetic, tag-expression compilation, locale choice and retry-delay steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../core/src/testing/index.js';
import { zonedTimeToUtc } from '../../plugins/push/src/sends/local-time.js';
import { pickLocale } from '../../plugins/push/src/sends/stored-notification.js';
import { compileTagExpression } from '../../plugins/push/src/tag-expression.js';
import { retryDelay } from '../../plugins/push/src/workers/deliver-chunk.js';
import { sqliteBackend } from '../support/backends.js';
import { api, register, startPushPlatform } from './platform-support.js';

describe('send-path helpers', () => {
  it('turns wall-clock times into instants, across DST', () => {
    expect(zonedTimeToUtc('2026-12-01T09:00', 'Europe/Paris').toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(zonedTimeToUtc('2026-07-01T09:00', 'Europe/Paris').toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(zonedTimeToUtc('2026-03-08T01:30:00', 'America/New_York').toISOString()).toBe('2026-03-08T06:30:00.000Z');
    expect(zonedTimeToUtc('2026-03-08T03:30', 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(zonedTimeToUtc('2026-12-01T09:00', 'Asia/Kolkata').toISOString()).toBe('2026-12-01T03:30:00.000Z');
    expect(zonedTimeToUtc('2026-12-01T09:00', 'UTC').toISOString()).toBe('2026-12-01T09:00:00.000Z');
  });

  it('compiles tag expressions with the usual precedence', () => {
    const like = (t: string) => ({ tagText: { $like: `%|${t}|%` } });
    expect(compileTagExpression('a')).toEqual(like('a'));
    expect(compileTagExpression('a || b && c')).toEqual({ $or: [like('a'), { $and: [like('b'), like('c')] }] });
    expect(compileTagExpression('!(a || b)')).toEqual({ $not: { $or: [like('a'), like('b')] } });
    for (const bad of ['', 'a &&', '(a', 'a b', 'a%b', '&& a']) expect(() => compileTagExpression(bad)).toThrow(/tag expression/i);
  });

  it('picks the exact locale, else the language, else the defaults', () => {
    const localized = { fr: {}, 'pt-BR': {}, pt: {} };
    expect(pickLocale(localized, 'fr-CA')).toBe('fr');
    expect(pickLocale(localized, 'pt_br')).toBe('pt-BR');
    expect(pickLocale(localized, 'pt-PT')).toBe('pt');
    expect(pickLocale(localized, 'de')).toBeNull();
    expect(pickLocale(localized, null)).toBeNull();
  });

  it('rounds retry delays up to a few steps (one RabbitMQ delay queue each)', () => {
    expect([1, 100, 101, 999, 1000, 1001, 120_000, 10 ** 9].map(retryDelay)).toEqual([100, 100, 250, 1000, 1000, 2000, 120_000, 3_600_000]);
  });
});

describe('sends at a local time', () => {
  let platform: TestPlatform;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await sqliteBackend.create();
    drop = db.drop;
    platform = await startPushPlatform(db.url, {});
  });
  afterAll(async () => {
    await platform?.close();
    await drop?.();
  });

  it('schedules each device at the wall-clock time of its own zone, and is cancellable until the first goes out', async () => {
    const call = api(platform);
    await register(platform, [
      { platform: 'android', token: 'tz-paris', userId: 'tz', timeZone: 'Europe/Paris' },
      { platform: 'android', token: 'tz-tokyo', userId: 'tz', timeZone: 'Asia/Tokyo' },
      { platform: 'android', token: 'tz-none', userId: 'tz' },
    ]);
    const accepted = await call<{ id: string; status: string; sendAt: string }>('POST', '/sends', {
      target: { userId: 'tz' },
      notification: { title: 'good morning' },
      sendAtLocal: '2099-06-01T09:00',
      defaultTimeZone: 'America/New_York',
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('scheduled');
    // The earliest device's moment: 09:00 in Tokyo.
    expect(accepted.body.sendAt).toBe('2099-06-01T00:00:00.000Z');
    const report = await call<{ recipients: { token: string; dueAt: string; status: string }[] }>('GET', `/sends/${accepted.body.id}`);
    expect(Object.fromEntries(report.body.recipients.map((r) => [r.token, r.dueAt]))).toEqual({
      'tz-paris': '2099-06-01T07:00:00.000Z',
      'tz-tokyo': '2099-06-01T00:00:00.000Z',
      'tz-none': '2099-06-01T13:00:00.000Z',
    });
    const cancelled = await call<{ status: string; totals: { cancelled: number; queued: number } }>(
      'POST',
      `/sends/${accepted.body.id}/cancel`,
    );
    expect(cancelled.body).toMatchObject({ status: 'cancelled', totals: { cancelled: 3, queued: 0 } });

    const bad = await call<{ code: string }>('POST', '/sends', {
      target: { userId: 'tz' },
      notification: { title: 'x' },
      sendAtLocal: '2099-06-01T09:00',
      defaultTimeZone: 'Nowhere/Land',
    });
    expect(bad.body.code).toBe('INVALID_TIME_ZONE');
  });
});
