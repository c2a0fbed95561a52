/** One provider client per credential set: reused, never disposed while in use, shut down when idle or evicted. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientCache, credentialKey } from '../../plugins/push/src/providers/client-cache.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ClientCache', () => {
  it('creates a client once per key and reuses it', async () => {
    const disposed: number[] = [];
    const cache = new ClientCache<number>({ dispose: (c) => void disposed.push(c) });
    let made = 0;
    const a = await cache.use(
      'k',
      () => ++made,
      async (c) => c,
    );
    const b = await cache.use(
      'k',
      () => ++made,
      async (c) => c,
    );
    expect([a, b, made]).toEqual([1, 1, 1]);
    await cache.close();
    expect(disposed).toEqual([1]);
  });

  it('disposes a client after it has been idle, but not while a send is using it', async () => {
    vi.useFakeTimers();
    const disposed: string[] = [];
    const cache = new ClientCache<string>({ dispose: (c) => void disposed.push(c), idleMs: 1000 });
    let release!: () => void;
    const busy = cache.use(
      'busy',
      () => 'busy',
      () => new Promise<void>((r) => (release = r)),
    );
    await cache.use(
      'idle',
      () => 'idle',
      async () => {},
    );
    await vi.advanceTimersByTimeAsync(2500);
    expect(disposed).toEqual(['idle']);
    release();
    await busy;
    await vi.advanceTimersByTimeAsync(2500);
    expect(disposed).toEqual(['idle', 'busy']);
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used idle client past maxClients', async () => {
    const disposed: string[] = [];
    const cache = new ClientCache<string>({ dispose: (c) => void disposed.push(c), maxClients: 2 });
    for (const k of ['a', 'b', 'c'])
      await cache.use(
        k,
        () => k,
        async () => {},
      );
    await Promise.resolve();
    expect(disposed).toEqual(['a']);
    expect(cache.size).toBe(2);
    await cache.close();
  });

  it('keys secrets by hash', () => {
    const key = credentialKey('apns', '-----BEGIN PRIVATE KEY-----secret');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('secret');
    expect(credentialKey('a', 'bc')).not.toBe(credentialKey('ab', 'c'));
  });
});
