/**
 * The APNs sender driving the real @parse/node-apn against the fake APNs over HTTP/2 + TLS: delivery, every
 * failure class, the JWT check, the exact headers and payload, and chunking.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApnsSender } from '../../plugins/push/src/providers/apns-sender.js';
import type { ApnsTokenKey } from '../../plugins/push/src/providers/credentials.js';
import type { PushNotification, PushTransport } from '../../plugins/push/src/providers/push-transport.js';
import { FakeApns } from '../fakes/apns/index.js';
import { apnsToken, BUNDLE_ID, itemsFor } from './support.js';

const fake = new FakeApns();
let key: ApnsTokenKey;
let sender: PushTransport<ApnsTokenKey>;
const hello: PushNotification = { title: 'Hello', body: 'World' };
const payloadOf = (token: string) => (fake.received(token)[0]?.message?.payload ?? {}) as { aps?: unknown };

beforeAll(async () => {
  const endpoint = await fake.start();
  key = { ...fake.createKey({ bundleIds: [BUNDLE_ID] }), bundleId: BUNDLE_ID, production: false };
  sender = createApnsSender({ loopback: endpoint, requestTimeoutMs: 1000 });
});
afterEach(() => fake.reset());
afterAll(async () => {
  await sender.close();
  await fake.stop();
});

describe('APNs sender against the fake APNs', () => {
  it('delivers and returns the apns-id APNs assigned', async () => {
    const [result] = await sender.send(key, itemsFor('ios', [apnsToken(1)], hello));
    expect(result).toMatchObject({ status: 'delivered', recipientId: 'r0', token: apnsToken(1), httpStatus: 200 });
    expect(result.status === 'delivered' && result.providerMessageId).toMatch(/^[0-9a-f-]{36}$/);
    const [seen] = fake.received(apnsToken(1));
    expect(seen.message?.authority).toBe('api.sandbox.push.apple.com');
    expect(seen.message?.teamId).toBe(key.teamId);
    expect(seen.message?.keyId).toBe(key.keyId);
  });

  it('sends an alert with the headers and payload the notification asks for', async () => {
    const before = Math.floor(Date.now() / 1000);
    await sender.send(
      key,
      itemsFor('ios', [apnsToken(2)], {
        title: 'Sale',
        subtitle: 'Today',
        body: 'Everything 20% off',
        badge: 4,
        sound: 'chime.caf',
        ttlSeconds: 3600,
        collapseKey: 'sale-1',
        data: { orderId: 42, deep: { link: '/sale' } },
      }),
    );
    const [seen] = fake.received(apnsToken(2));
    expect(seen.status).toBe(200);
    expect(seen.message?.headers).toMatchObject({
      'apns-topic': BUNDLE_ID,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-collapse-id': 'sale-1',
    });
    const expiration = Number(seen.message?.headers['apns-expiration']);
    expect(expiration).toBeGreaterThanOrEqual(before + 3600);
    expect(expiration).toBeLessThanOrEqual(before + 3602);
    expect(seen.message?.payload).toEqual({
      orderId: 42,
      deep: { link: '/sale' },
      aps: { alert: { title: 'Sale', subtitle: 'Today', body: 'Everything 20% off' }, badge: 4, sound: 'chime.caf' },
    });
  });

  it('sends a silent push as content-available, push type background, priority 5, and merges overrides last', async () => {
    await sender.send(
      key,
      itemsFor('ios', [apnsToken(3)], {
        silent: true,
        title: 'ignored for a background push',
        data: { sync: 'inbox' },
        ttlSeconds: 0,
        overrides: { apns: { headers: { 'apns-collapse-id': 'sync' }, payload: { aps: { 'thread-id': 'mail' }, sync: 'all' } } },
      }),
    );
    const [seen] = fake.received(apnsToken(3));
    expect(seen.status).toBe(200);
    expect(seen.message?.headers).toMatchObject({
      'apns-push-type': 'background',
      'apns-priority': '5',
      'apns-expiration': '0',
      'apns-collapse-id': 'sync',
    });
    expect(seen.message?.payload).toEqual({ sync: 'all', aps: { 'content-available': 1, 'thread-id': 'mail' } });
  });

  it('reports 410 Unregistered with the timestamp APNs gave, so the caller can compare it with the registration time', async () => {
    fake.setTokenOutcome(apnsToken(4), { reason: 'Unregistered', timestamp: 1_700_000_000_123 });
    const [result] = await sender.send(key, itemsFor('ios', [apnsToken(4)], hello));
    expect(result).toMatchObject({ status: 'unregistered', reason: 'Unregistered', httpStatus: 410, unregisteredAtMs: 1_700_000_000_123 });
  });

  it('classifies every APNs answer and sends each token exactly once (node-apn retries are off)', async () => {
    const script = {
      5: 'BadDeviceToken',
      6: 'DeviceTokenNotForTopic',
      7: 'TooManyRequests',
      9: 'ServiceUnavailable',
      10: 'ExpiredProviderToken',
      11: 'PayloadTooLarge',
    } as const;
    for (const [i, reason] of Object.entries(script)) fake.setTokenOutcome(apnsToken(Number(i)), reason);
    const tokens = Object.keys(script).map((i) => apnsToken(Number(i)));
    const results = await sender.send(key, itemsFor('ios', tokens, hello));
    expect(results.map((r) => [r.status, 'reason' in r ? r.reason : undefined, r.httpStatus])).toEqual([
      ['permanent', 'BadDeviceToken', 400],
      ['permanent', 'DeviceTokenNotForTopic', 400],
      ['retryable', 'TooManyRequests', 429],
      ['retryable', 'ServiceUnavailable', 503],
      ['retryable', 'ExpiredProviderToken', 403],
      ['permanent', 'PayloadTooLarge', 413],
    ]);
    // node-apn would otherwise resend 429/5xx immediately, up to three times.
    for (const token of tokens) expect(fake.received(token)).toHaveLength(1);
    // APNs sends no Retry-After, and node-apn would drop it anyway: the caller's backoff decides.
    expect(results.every((r) => !('retryAfterMs' in r))).toBe(true);
  });

  it('reports a 500 as retryable; node-apn tears the session down and the next chunk opens a new one', async () => {
    fake.setTokenOutcome(apnsToken(8), 'InternalServerError', 1);
    const [failed] = await sender.send(key, itemsFor('ios', [apnsToken(8)], hello));
    expect(failed).toMatchObject({ status: 'retryable', reason: 'InternalServerError', httpStatus: 500 });
    const connections = fake.stats().connections;
    const [retried] = await sender.send(key, itemsFor('ios', [apnsToken(8)], hello));
    expect(retried.status).toBe('delivered');
    expect(fake.stats().connections).toBe(connections + 1);
    expect(fake.received(apnsToken(8))).toHaveLength(2);
  });

  it('refuses a token that is not a hex device token with BadDeviceToken (the fake checks the path)', async () => {
    const [result] = await sender.send(key, itemsFor('ios', ['not-a-device-token'], hello));
    expect(result).toMatchObject({ status: 'permanent', reason: 'BadDeviceToken', httpStatus: 400 });
  });

  it('gets 403 InvalidProviderToken when the JWT is signed with a key APNs does not know', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrong = { ...key, key: stranger };
    const [result] = await sender.send(wrong, itemsFor('ios', [apnsToken(12)], hello));
    expect(result).toMatchObject({ status: 'permanent', reason: 'InvalidProviderToken', httpStatus: 403 });
    expect(fake.deliveredCount()).toBe(0);
    await sender.forget(wrong);
  });

  it('reports a key node-apn cannot sign with as permanent INVALID_CREDENTIALS for every recipient, without rejecting', async () => {
    const broken = { ...key, key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' };
    const results = await sender.send(broken, itemsFor('ios', [apnsToken(50), apnsToken(51)], hello));
    expect(results.map((r) => [r.status, 'reason' in r ? r.reason : undefined])).toEqual([
      ['permanent', 'INVALID_CREDENTIALS'],
      ['permanent', 'INVALID_CREDENTIALS'],
    ]);
    expect(fake.stats().requests).toBe(0);
  });

  it('gets 403 InvalidProviderToken when the team id does not own the key id', async () => {
    const wrongTeam = { ...key, teamId: 'ZZZZZZZZZZ' };
    const [result] = await sender.send(wrongTeam, itemsFor('ios', [apnsToken(13)], hello));
    expect(result).toMatchObject({ status: 'permanent', reason: 'InvalidProviderToken' });
    await sender.forget(wrongTeam);
  });

  it('gets 400 TopicDisallowed for a bundle id the key is not for', async () => {
    const other = { ...key, bundleId: 'com.someone.else' };
    const [result] = await sender.send(other, itemsFor('ios', [apnsToken(14)], hello));
    expect(result).toMatchObject({ status: 'permanent', reason: 'TopicDisallowed', httpStatus: 400 });
  });

  it('treats throttling and server failures as retryable, once per token', async () => {
    fake.throttle({ requests: 2, retryAfterSeconds: 30 });
    const throttled = await sender.send(key, itemsFor('ios', [apnsToken(15), apnsToken(16)], hello));
    expect(throttled.map((r) => r.status)).toEqual(['retryable', 'retryable']);
    expect(fake.stats().requests).toBe(2);
    fake.fail({ status: 503, requests: 1 });
    const [failed] = await sender.send(key, itemsFor('ios', [apnsToken(17)], hello));
    expect(failed).toMatchObject({ status: 'retryable', reason: 'ServiceUnavailable', httpStatus: 503 });
    const [healed] = await sender.send(key, itemsFor('ios', [apnsToken(17)], hello));
    expect(healed.status).toBe('delivered');
  });

  it('turns a request that outlives the timeout into a retryable TIMEOUT', async () => {
    fake.setLatency(1500);
    const [result] = await sender.send(key, itemsFor('ios', [apnsToken(18)], hello));
    expect(result).toMatchObject({ status: 'retryable', reason: 'TIMEOUT' });
  });

  it('turns an unreachable APNs into a retryable CONNECTION_ERROR', async () => {
    const closed = new FakeApns();
    const endpoint = await closed.start();
    await closed.stop();
    const lonely = createApnsSender({ loopback: endpoint });
    const [result] = await lonely.send(key, itemsFor('ios', [apnsToken(19)], hello));
    expect(result).toMatchObject({ status: 'retryable', reason: 'CONNECTION_ERROR' });
    await lonely.close();
  });

  it('does not send a payload APNs would refuse as too large', async () => {
    const [result] = await sender.send(key, itemsFor('ios', [apnsToken(20)], { body: 'x'.repeat(5000) }));
    expect(result).toMatchObject({ status: 'permanent', reason: 'PAYLOAD_TOO_LARGE' });
    expect(fake.stats().requests).toBe(0);
  });

  it('delivers 2,000 tokens in bursts, never more streams at once than one burst per lane', async () => {
    const chunked = createApnsSender({ loopback: fake.endpoint(), burstSize: 500, concurrentBursts: 1 });
    fake.setLatency(5); // keeps streams open long enough for the fake to see how many overlap
    const tokens = Array.from({ length: 2000 }, (_, i) => apnsToken(10_000 + i));
    const results = await chunked.send(key, itemsFor('ios', tokens, hello));
    expect(results.map((r) => r.token)).toEqual(tokens);
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    const stats = fake.stats();
    expect(stats.delivered).toBe(2000);
    expect(stats.duplicateDeliveries).toBe(0);
    expect(stats.peakInFlight).toBeLessThanOrEqual(500);
    expect(stats.peakInFlight).toBeGreaterThan(100);
    await chunked.close();
  });

  it('sends each distinct notification of a chunk with its own payload, and answers duplicate tokens for each item', async () => {
    const en: PushNotification = { title: 'Hello' };
    const fr: PushNotification = { title: 'Bonjour' };
    const items = [
      { recipientId: 'a', token: apnsToken(30), platform: 'ios' as const, notification: en },
      { recipientId: 'b', token: apnsToken(31), platform: 'ios' as const, notification: fr },
      { recipientId: 'c', token: apnsToken(32), platform: 'ios' as const, notification: en },
      { recipientId: 'd', token: apnsToken(30), platform: 'ios' as const, notification: en },
    ];
    const results = await sender.send(key, items);
    expect(results.map((r) => [r.recipientId, r.status])).toEqual([
      ['a', 'delivered'],
      ['b', 'delivered'],
      ['c', 'delivered'],
      ['d', 'delivered'],
    ]);
    expect(payloadOf(apnsToken(31)).aps).toEqual({ alert: { title: 'Bonjour' } });
    expect(payloadOf(apnsToken(32)).aps).toEqual({ alert: { title: 'Hello' } });
    expect(fake.received(apnsToken(30))).toHaveLength(1);
  });

  it('uses api.push.apple.com for production keys', async () => {
    const production = { ...key, production: true };
    await sender.send(production, itemsFor('ios', [apnsToken(40)], hello));
    expect(fake.received(apnsToken(40))[0].message?.authority).toBe('api.push.apple.com');
    await sender.forget(production);
  });
});
