/** The recording simulator: what the embedded default uses when no provider credentials exist. */
import { describe, expect, it } from 'vitest';
import { buildApnsRequest } from '../../plugins/push/src/providers/apns-request.js';
import { createRecordingTransport } from '../../plugins/push/src/providers/recording-transport.js';
import { itemsFor } from './support.js';

describe('recording transport', () => {
  it('records the exact APNs request and FCM message the real senders would send', async () => {
    const sim = createRecordingTransport();
    const notification = { title: 'Hi', data: { n: 1 } };
    const results = await sim.send({ bundleId: 'com.a.b' }, [
      ...itemsFor('ios', ['ios-1'], notification),
      ...itemsFor('android', ['and-1'], notification),
    ]);
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    const [ios, android] = sim.records;
    expect(ios.provider).toBe('apns');
    expect(ios.request).toEqual(buildApnsRequest(notification, 'com.a.b', ios.at));
    expect(android.provider).toBe('fcm');
    expect(android.request).toEqual({ token: 'and-1', notification: { title: 'Hi' }, data: { n: '1' }, android: { priority: 'high' } });
    expect(new Set(results.map((r) => r.status === 'delivered' && r.providerMessageId)).size).toBe(2);
  });

  it('lets tokens steer the outcome: unregistered, invalid, flaky once', async () => {
    const sim = createRecordingTransport();
    const items = itemsFor('ios', ['x-unregistered', 'x-invalid', 'x-flaky'], { title: 'Hi' });
    const first = await sim.send(null, items);
    expect(first.map((r) => [r.status, 'reason' in r ? r.reason : undefined])).toEqual([
      ['unregistered', 'Unregistered'],
      ['permanent', 'BadDeviceToken'],
      ['retryable', 'UNAVAILABLE'],
    ]);
    expect(first[0].status === 'unregistered' && first[0].unregisteredAtMs).toBeGreaterThan(0);
    const second = await sim.send(null, [items[2]]);
    expect(second[0].status).toBe('delivered');
  });

  it('takes a custom outcome and keeps a bounded record', async () => {
    const sim = createRecordingTransport({
      maxRecords: 3,
      outcome: (item) => (item.token === 'b' ? { status: 'permanent', reason: 'NOPE' } : undefined),
    });
    const results = await sim.send(null, itemsFor('android', ['a', 'b', 'c', 'd', 'e'], { title: 'Hi' }));
    expect(results[1]).toMatchObject({ status: 'permanent', reason: 'NOPE', recipientId: 'r1', token: 'b' });
    expect(sim.records.map((r) => r.token)).toEqual(['c', 'd', 'e']);
    sim.clear();
    expect(sim.records).toHaveLength(0);
  });
});
