/** Payload shaping from the provider-neutral notification, and the accept-time notification checks. */
import { InputError } from '@switchboard/sdk';
import { describe, expect, it } from 'vitest';
import { buildApnsRequest } from '../../plugins/push/src/providers/apns-request.js';
import { buildFcmMessage, toFcmData } from '../../plugins/push/src/providers/fcm-message.js';
import { mergeOverrides } from '../../plugins/push/src/providers/merge-overrides.js';
import { PUSH_NOTIFICATION_INVALID, validateNotification } from '../../plugins/push/src/providers/validate-notification.js';

const NOW = Date.UTC(2026, 0, 1);

describe('buildApnsRequest', () => {
  it('makes an alert push at priority 10 with TTL as an absolute expiration', () => {
    expect(buildApnsRequest({ title: 'T', body: 'B', ttlSeconds: 60, collapseKey: 'k' }, 'com.a.b', NOW)).toEqual({
      headers: {
        'apns-topic': 'com.a.b',
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-expiration': String(NOW / 1000 + 60),
        'apns-collapse-id': 'k',
      },
      payload: { aps: { alert: { title: 'T', body: 'B' } } },
    });
  });

  it('drops alert, sound and badge from a background push', () => {
    const { headers, payload } = buildApnsRequest({ silent: true, title: 'x', sound: 's', badge: 1, priority: 'high' }, 'com.a.b', NOW);
    expect(headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
    expect(payload).toEqual({ aps: { 'content-available': 1 } });
  });

  it('uses priority 5 for a normal-priority alert and sends a badge-only update without an alert', () => {
    const { headers, payload } = buildApnsRequest({ badge: 0, priority: 'normal' }, 'com.a.b', NOW);
    expect(headers['apns-priority']).toBe('5');
    expect(payload).toEqual({ aps: { badge: 0 } });
  });

  it('merges header and payload overrides last', () => {
    const { headers, payload } = buildApnsRequest(
      {
        title: 'T',
        sound: 'a',
        overrides: {
          apns: { headers: { 'apns-push-type': 'voip', 'apns-topic': 'com.a.b.voip' }, payload: { aps: { sound: null, category: 'c' } } },
        },
      },
      'com.a.b',
      NOW,
    );
    expect(headers).toMatchObject({ 'apns-push-type': 'voip', 'apns-topic': 'com.a.b.voip' });
    expect(payload).toEqual({ aps: { alert: { title: 'T' }, category: 'c' } });
  });
});

describe('buildFcmMessage', () => {
  it('JSON-encodes non-string data because FCM data is string to string', () => {
    expect(toFcmData({ s: 'x', n: 1, b: false, o: { a: [1] }, nil: null, gone: undefined })).toEqual({
      s: 'x',
      n: '1',
      b: 'false',
      o: '{"a":[1]}',
      nil: 'null',
    });
  });

  it('gives Android the TTL in milliseconds (firebase-admin turns it into "Ns") and high priority by default', () => {
    const message = buildFcmMessage(
      { recipientId: 'r', token: 't', platform: 'android', notification: { title: 'T', ttlSeconds: 5 } },
      NOW,
    );
    expect(message).toEqual({ token: 't', notification: { title: 'T' }, android: { priority: 'high', ttl: 5000 } });
  });

  it('leaves out a web push Topic that push services would refuse', () => {
    const message = buildFcmMessage(
      { recipientId: 'r', token: 't', platform: 'web', notification: { collapseKey: 'has spaces and is far too long for a topic' } },
      NOW,
    );
    expect(message.webpush?.headers).toEqual({ Urgency: 'high' });
  });

  it('does not let one item change the notification shared with the others', () => {
    const notification = { title: 'T', overrides: { android: { notification: { tag: 'x' } } } };
    const frozen = JSON.stringify(notification);
    buildFcmMessage({ recipientId: 'r', token: 't', platform: 'android', notification }, NOW);
    expect(JSON.stringify(notification)).toBe(frozen);
  });
});

describe('mergeOverrides', () => {
  it('merges objects, replaces other values, removes keys set to null and ignores __proto__', () => {
    const merged = mergeOverrides(
      { a: { b: 1, c: 2 }, d: [1], e: 'x' },
      JSON.parse('{"a":{"c":null,"f":3},"d":[2],"e":"y","__proto__":{"polluted":true}}'),
    );
    expect(merged).toEqual({ a: { b: 1, f: 3 }, d: [2], e: 'y' });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('validateNotification', () => {
  const problems = (fn: () => void): { pointer: string }[] => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe(PUSH_NOTIFICATION_INVALID);
      return (e as InputError).details?.errors as { pointer: string }[];
    }
    throw new Error('expected an InputError');
  };

  it('accepts a full notification', () => {
    expect(() =>
      validateNotification({ title: 'T', body: 'B', data: { a: 1 }, badge: 1, ttlSeconds: 60, collapseKey: 'k', priority: 'high' }),
    ).not.toThrow();
  });

  it('points at reserved data keys, out-of-range values and unknown APNs headers', () => {
    const found = problems(() =>
      validateNotification(
        {
          data: { from: 'x', 'google.x': 'y', aps: {}, ok: 1 },
          badge: -1,
          ttlSeconds: 3_000_000,
          collapseKey: 'k'.repeat(65),
          priority: 'urgent' as 'high',
          overrides: { apns: { headers: { 'apns-bogus': '1' } } },
        },
        '/body/notification',
      ),
    );
    expect(found.map((p) => p.pointer)).toEqual([
      '/body/notification/data/from',
      '/body/notification/data/google.x',
      '/body/notification/data/aps',
      '/body/notification/badge',
      '/body/notification/ttlSeconds',
      '/body/notification/collapseKey',
      '/body/notification/priority',
      '/body/notification/overrides/apns/headers/apns-bogus',
    ]);
  });

  it('refuses a notification too large for APNs only when iOS devices are among the recipients', () => {
    const big = { body: 'x'.repeat(3900), data: { extra: 'y'.repeat(150) } };
    expect(problems(() => validateNotification(big, '', ['ios', 'android']))[0].pointer).toBe('');
    expect(() => validateNotification({ body: 'x'.repeat(3000) }, '', ['android'])).not.toThrow();
  });
});
