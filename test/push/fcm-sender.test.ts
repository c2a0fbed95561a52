/**
 * The FCM sender driving the real firebase-admin (sendEach over HTTP/2, the service-account OAuth grant) against
 * the fake FCM: delivery, the exact wire message, every error classification, Retry-After, and credentials.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FcmServiceAccount } from '../../plugins/push/src/providers/credentials.js';
import { createFcmSender } from '../../plugins/push/src/providers/fcm-sender.js';
import type { LoopbackEndpoint } from '../../plugins/push/src/providers/loopback-endpoint.js';
import type { PushNotification, PushTransport } from '../../plugins/push/src/providers/push-transport.js';
import { validateFcmServiceAccount } from '../../plugins/push/src/providers/validate-fcm-service-account.js';
import { FakeFcm } from '../fakes/fcm/index.js';
import { itemsFor } from './support.js';

const fake = new FakeFcm();
let endpoint: LoopbackEndpoint;
let account: FcmServiceAccount;
let sender: PushTransport<FcmServiceAccount>;
const hello: PushNotification = { title: 'Hello', body: 'World' };

beforeAll(async () => {
  endpoint = await fake.start();
  account = validateFcmServiceAccount(fake.createServiceAccount('switchboard-test'));
  sender = createFcmSender({ loopback: endpoint });
});
afterEach(() => fake.reset());
afterAll(async () => {
  await sender.close();
  await fake.stop();
});

const wire = (token: string) => fake.received(token)[0]?.message?.message;

describe('FCM sender against the fake FCM', () => {
  it('delivers over HTTP/2 with an access token from the service-account grant, fetched once per app', async () => {
    const [first] = await sender.send(account, itemsFor('android', ['tok-1'], hello));
    expect(first).toMatchObject({ status: 'delivered', recipientId: 'r0', token: 'tok-1', httpStatus: 200 });
    expect(first.status === 'delivered' && first.providerMessageId).toMatch(/^projects\/switchboard-test\/messages\/.+/);
    expect(fake.received('tok-1')[0].message?.httpVersion).toBe('2.0');
    await sender.send(account, itemsFor('android', ['tok-2'], hello));
    // The firebase App (and its cached access token) is reused across chunks of the same credentials.
    expect(fake.stats().tokenRequests).toBe(1);
  });

  it('sends the Android message the notification describes (TTL, collapse key, priority, sound, string data)', async () => {
    await sender.send(
      account,
      itemsFor('android', ['tok-android'], {
        title: 'Sale',
        body: 'Everything 20% off',
        imageUrl: 'https://example.com/sale.png',
        data: { orderId: 42, flags: ['a'], note: 'text' },
        ttlSeconds: 3600,
        collapseKey: 'sale',
        priority: 'normal',
        sound: 'chime',
        badge: 2,
        overrides: { android: { notification: { sound: null, tag: 'sale' }, restrictedPackageName: 'com.example' } },
      }),
    );
    expect(wire('tok-android')).toEqual({
      token: 'tok-android',
      notification: { title: 'Sale', body: 'Everything 20% off', image: 'https://example.com/sale.png' },
      data: { orderId: '42', flags: '["a"]', note: 'text' },
      android: {
        priority: 'normal',
        ttl: '3600s',
        collapse_key: 'sale',
        restricted_package_name: 'com.example',
        notification: { notification_count: 2, tag: 'sale' },
      },
    });
  });

  it('sends a silent push to Android as a data-only message at normal priority', async () => {
    await sender.send(account, itemsFor('android', ['tok-silent'], { silent: true, title: 'not shown', data: { sync: 'inbox' } }));
    expect(wire('tok-silent')).toEqual({ token: 'tok-silent', data: { sync: 'inbox' }, android: { priority: 'normal' } });
  });

  it('sends web push headers (TTL, Urgency, Topic) for web tokens', async () => {
    await sender.send(account, itemsFor('web', ['tok-web'], { ...hello, ttlSeconds: 60, collapseKey: 'news', priority: 'high' }));
    expect(wire('tok-web')).toEqual({
      token: 'tok-web',
      notification: { title: 'Hello', body: 'World' },
      webpush: { headers: { Urgency: 'high', TTL: '60', Topic: 'news' } },
    });
  });

  it('sends an apns block for iOS tokens held by FCM (background push: content-available, priority 5)', async () => {
    await sender.send(account, itemsFor('ios', ['tok-ios'], { silent: true, collapseKey: 'c1', data: { k: 'v' } }));
    expect(wire('tok-ios')).toEqual({
      token: 'tok-ios',
      data: { k: 'v' },
      apns: {
        headers: { 'apns-push-type': 'background', 'apns-priority': '5', 'apns-collapse-id': 'c1' },
        payload: { aps: { 'content-available': 1 } },
      },
    });
  });

  it('classifies UNREGISTERED, an invalid token, a bad payload and SENDER_ID_MISMATCH', async () => {
    fake.setTokenOutcome('tok-gone', 'UNREGISTERED');
    fake.setTokenOutcome('tok-garbage', 'INVALID_ARGUMENT');
    fake.setTokenOutcome('tok-foreign', 'SENDER_ID_MISMATCH');
    const results = await sender.send(account, [
      ...itemsFor('android', ['tok-gone', 'tok-garbage', 'tok-foreign'], hello),
      // `from` is a reserved data key: FCM refuses the message, not the token.
      { recipientId: 'bad-payload', token: 'tok-fine', platform: 'android', notification: { data: { from: 'me' } } },
    ]);
    expect(results.map((r) => [r.token, r.status, 'reason' in r ? r.reason : undefined, r.httpStatus])).toEqual([
      ['tok-gone', 'unregistered', 'UNREGISTERED', 404],
      ['tok-garbage', 'unregistered', 'INVALID_TOKEN', 400],
      ['tok-foreign', 'permanent', 'SENDER_ID_MISMATCH', 403],
      ['tok-fine', 'permanent', 'INVALID_ARGUMENT', 400],
    ]);
    expect(results[3].detail).toMatch(/data payload key: from/);
  });

  it('passes Retry-After on through 429 QUOTA_EXCEEDED', async () => {
    fake.throttle({ requests: 1, retryAfterSeconds: 120 });
    const [result] = await sender.send(account, itemsFor('android', ['tok-throttled'], hello));
    expect(result).toMatchObject({ status: 'retryable', reason: 'QUOTA_EXCEEDED', httpStatus: 429, retryAfterMs: 120_000 });
  });

  it('answers a 503 at once with its Retry-After instead of letting firebase-admin wait and retry', async () => {
    fake.fail({ status: 503, requests: 1, retryAfterSeconds: 2 });
    const started = Date.now();
    const [result] = await sender.send(account, itemsFor('android', ['tok-503'], hello));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result).toMatchObject({ status: 'retryable', reason: 'UNAVAILABLE', httpStatus: 503, retryAfterMs: 2000 });
    expect(fake.received('tok-503')).toHaveLength(1);
  });

  it('with sdkRetries, firebase-admin itself waits Retry-After and retries the 503 (what the default avoids)', async () => {
    const patient = createFcmSender({ loopback: endpoint, sdkRetries: true });
    fake.fail({ status: 503, requests: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const [result] = await patient.send(account, itemsFor('android', ['tok-503-sdk'], hello));
    expect(result.status).toBe('delivered');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.received('tok-503-sdk').map((r) => r.status)).toEqual([503, 200]);
    await patient.close();
  });

  it('treats 500 INTERNAL as retryable', async () => {
    fake.fail({ status: 500, requests: 1 });
    const [result] = await sender.send(account, itemsFor('android', ['tok-500'], hello));
    expect(result).toMatchObject({ status: 'retryable', reason: 'INTERNAL', httpStatus: 500 });
    expect(result.status === 'retryable' && result.retryAfterMs).toBeUndefined();
  });

  it('turns an unreachable FCM into a retryable error for every message', async () => {
    const closed = new FakeFcm();
    const gone = await closed.start();
    const other = validateFcmServiceAccount(closed.createServiceAccount('switchboard-gone'));
    await closed.stop();
    const lonely = createFcmSender({ loopback: gone });
    const results = await lonely.send(other, itemsFor('android', ['a', 'b'], hello));
    expect(results.map((r) => r.status)).toEqual(['retryable', 'retryable']);
    await lonely.close();
  });

  it('reports a service account whose key the token endpoint refuses as permanent INVALID_CREDENTIALS', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = { ...account, privateKey: stranger };
    const results = await sender.send(forged, itemsFor('android', ['tok-x', 'tok-y'], hello));
    expect(results.map((r) => [r.status, 'reason' in r ? r.reason : undefined])).toEqual([
      ['permanent', 'INVALID_CREDENTIALS'],
      ['permanent', 'INVALID_CREDENTIALS'],
    ]);
    expect(results[0].detail).not.toContain('PRIVATE KEY');
    expect(fake.deliveredCount()).toBe(0);
    await sender.forget(forged);
  });

  it('reports a key that does not parse as permanent INVALID_CREDENTIALS, with or without the loopback', async () => {
    const broken = { ...account, privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' };
    const production = createFcmSender();
    for (const s of [sender, production]) {
      const [result] = await s.send(broken, itemsFor('android', ['tok-z'], hello));
      expect(result).toMatchObject({ status: 'permanent', reason: 'INVALID_CREDENTIALS' });
    }
    await production.close();
    expect(fake.stats().requests).toBe(0);
  });

  it('delivers a chunk of 1,200 in sendEach batches of 500 (one HTTP/2 session each), results in order', async () => {
    const tokens = Array.from({ length: 1200 }, (_, i) => `bulk-${i}`);
    const results = await sender.send(account, itemsFor('android', tokens, hello));
    expect(results.map((r) => r.token)).toEqual(tokens);
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    const stats = fake.stats();
    expect(stats.delivered).toBe(1200);
    expect(stats.duplicateDeliveries).toBe(0);
    expect(stats.connections).toBe(3);
  });

  it('does not send a message FCM would refuse as too big', async () => {
    const [result] = await sender.send(account, itemsFor('android', ['tok-big'], { body: 'x'.repeat(5000) }));
    expect(result).toMatchObject({ status: 'permanent', reason: 'PAYLOAD_TOO_LARGE' });
    expect(fake.stats().requests).toBe(0);
  });

  it('keeps one firebase App per service account and drops it on forget', async () => {
    const second = validateFcmServiceAccount(fake.createServiceAccount('switchboard-second'));
    await sender.send(second, itemsFor('android', ['s-1'], hello));
    await sender.send(second, itemsFor('android', ['s-2'], hello));
    expect(fake.stats().tokenRequests).toBe(1);
    await sender.forget(second);
    await sender.send(second, itemsFor('android', ['s-3'], hello));
    expect(fake.stats().tokenRequests).toBe(2);
    expect(fake.received('s-3')[0].message?.projectId).toBe('switchboard-second');
  });
});
