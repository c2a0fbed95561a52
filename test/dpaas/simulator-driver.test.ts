/** The simulator against the shared driver contract (short delays), then what only the simulator has: delays and failure injection. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDriver } from '../../plugins/dpaas/src/driver/create-driver.js';
import { driverErrorReason } from '../../plugins/dpaas/src/driver/driver-error.js';
import { SIMULATOR_OFFERINGS, SIMULATOR_TEMPLATES, SIMULATOR_ZONES } from '../../plugins/dpaas/src/simulator/simulator-catalogue.js';
import { createSimulatorDriver } from '../../plugins/dpaas/src/simulator/simulator-driver.js';
import { driverContract } from './driver-contract.js';

driverContract('simulator', async () => {
  const driver = createSimulatorDriver({ delays: { minMs: 5, maxMs: 20 } });
  return {
    driver,
    hooks: {
      failZone: (zoneId) => driver.control.setFailures({ failingZones: [zoneId] }),
      clearFailures: () => driver.control.setFailures({}),
      setInstanceLimit: (instances) => driver.control.setLimits({ instances }),
    },
    close: () => driver.close(),
  };
});

describe('simulator specifics', () => {
  const zone = SIMULATOR_ZONES[0];
  const base = { zoneId: zone.id, offeringId: SIMULATOR_OFFERINGS[0].id, templateId: SIMULATOR_TEMPLATES[0].id };

  it('takes between the configured delays for an async operation, 500–2000 ms by default', async () => {
    const driver = createSimulatorDriver({ delays: { minMs: 120, maxMs: 160 } });
    const started = Date.now();
    const op = await driver.createInstance({ ...base, name: 'timed' });
    expect((await driver.getOperation(op.jobId)).status).toBe('pending');
    await driver.waitForOperation(op);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(115);
    expect(took).toBeLessThan(1000);
    await driver.close();

    // The default: observed through a random source pinned to the low and high ends.
    for (const [r, low, high] of [
      [0, 480, 900],
      [0.999, 1950, 2600],
    ] as const) {
      const d = createSimulatorDriver({ random: () => r });
      const t0 = Date.now();
      await d.waitForOperation(await d.createInstance({ ...base, name: 'default-delay' }));
      const t = Date.now() - t0;
      expect(t).toBeGreaterThanOrEqual(low);
      expect(t).toBeLessThan(high);
      await d.close();
    }
  }, 10_000);

  it('fails the configured share of creations for lack of capacity', async () => {
    // Each creation draws twice: whether it fails (below the rate), then its delay.
    const draws = [0.9, 0.5, 0.1, 0.5, 0.49, 0.5, 0.51, 0.5];
    let i = 0;
    const driver = createSimulatorDriver({
      delays: { minMs: 1, maxMs: 2 },
      failures: { capacityErrorRate: 0.5 },
      random: () => draws[i++] ?? 0.5,
    });
    const outcomes: string[] = [];
    for (let n = 0; n < 4; n++) {
      const op = await driver.createInstance({ ...base, name: `rate-${n}` });
      outcomes.push(
        await driver.waitForOperation(op).then(
          () => 'ok',
          (e) => driverErrorReason(e) ?? 'other',
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'capacity', 'capacity', 'ok']);

    driver.control.setFailures({ capacityErrorRate: 1 });
    const op = await driver.createInstance({ ...base, name: 'always' });
    await expect(driver.waitForOperation(op)).rejects.toMatchObject({ kind: 'unavailable', code: 'INSUFFICIENT_CAPACITY' });
    await driver.close();
  });

  it('fails every creation in a zone named as failing, and only there', async () => {
    const driver = createSimulatorDriver({ delays: { minMs: 1, maxMs: 2 }, failures: { failingZones: [zone.name] } });
    const here = await driver.createInstance({ ...base, name: 'here' });
    await expect(driver.waitForOperation(here)).rejects.toMatchObject({ details: { reason: 'capacity' } });
    expect((await driver.getInstance(here.resourceId as string)).state).toBe('error');
    const there = await driver.createInstance({ ...base, zoneId: SIMULATOR_ZONES[1].id, name: 'there' });
    expect(await driver.waitForOperation(there)).toMatchObject({ type: 'instance', instance: { state: 'running' } });
    await driver.close();
  });

  it('lets an operator change or remove instances behind the platform, for the state-sync job', async () => {
    const driver = createSimulatorDriver({ delays: { minMs: 1, maxMs: 2 } });
    const op = await driver.createInstance({ ...base, name: 'oob' });
    await driver.waitForOperation(op);
    const id = op.resourceId as string;
    driver.control.setInstanceState(id, 'stopped');
    expect((await driver.getInstance(id)).state).toBe('stopped');
    driver.control.removeInstance(id);
    await expect(driver.getInstance(id)).rejects.toMatchObject({ kind: 'not-found' });
    expect((await driver.listInstances()).total).toBe(0);
    await driver.close();
  });

  describe('memory stays bounded in a long run', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    /** Runs the fake clock until the operation ends (the simulator's delays and the poll's backoff are timers). */
    const settle = async <T>(p: Promise<T>, ms = 100): Promise<T> => {
      const r = p.then(
        (v) => ({ v }),
        (e: unknown) => ({ e }),
      );
      await vi.advanceTimersByTimeAsync(ms);
      const x = await r;
      if ('e' in x) throw x.e;
      return x.v;
    };

    it('forgets finished jobs after their retention, keeps at most maxFinishedJobs, never a pending one', async () => {
      vi.useFakeTimers();
      const driver = createSimulatorDriver({ delays: { minMs: 5, maxMs: 10 }, jobRetentionMs: 60_000, maxFinishedJobs: 50 });
      // The soak's pattern: create, then expunge, 300 times; each cycle is two jobs (600 in all).
      const jobIds: string[] = [];
      for (let n = 0; n < 300; n++) {
        const op = await driver.createInstance({ ...base, name: `cycle-${n}` });
        await settle(driver.waitForOperation(op));
        const del = await driver.destroyInstance(op.resourceId as string, { expunge: true });
        await settle(driver.waitForOperation(del));
        jobIds.push(op.jobId, del.jobId);
      }
      await vi.advanceTimersByTimeAsync(100); // the expunged instances' final removal
      expect(driver.control.sizes()).toEqual({ instances: 0, pendingJobs: 0, finishedJobs: 50, timers: 0, snapshots: 0 });
      // The most recent are still readable, the oldest are gone as a provider's expired job would be.
      expect((await driver.getOperation(jobIds[jobIds.length - 1])).status).toBe('succeeded');
      await expect(driver.getOperation(jobIds[0])).rejects.toMatchObject({ kind: 'not-found' });

      // Age, not only the count: a minute later the finished jobs are gone; a pending one stays.
      const slow = createSimulatorDriver({ delays: { minMs: 120_000, maxMs: 120_000 }, jobRetentionMs: 60_000 });
      // Starting a running instance is a no-op that ends at once.
      const created = await slow.createInstance({ ...base, name: 'quick' });
      await settle(slow.waitForOperation(created), 121_000);
      const done = await slow.startInstance(created.resourceId as string);
      expect(done.status).toBe('succeeded');
      const pending = await slow.createInstance({ ...base, name: 'slow' });
      await vi.advanceTimersByTimeAsync(61_000);
      expect((await slow.getOperation(pending.jobId)).status).toBe('pending');
      await expect(slow.getOperation(done.jobId)).rejects.toMatchObject({ kind: 'not-found' });
      await vi.advanceTimersByTimeAsync(60_000);
      expect((await slow.getOperation(pending.jobId)).status).toBe('succeeded');
      await driver.close();
      await slow.close();
    });

    it('expunges a destroyed instance after expungeDelayMs unless it was recovered meanwhile', async () => {
      vi.useFakeTimers();
      const driver = createSimulatorDriver({ delays: { minMs: 5, maxMs: 10 }, expungeDelayMs: 60_000 });
      const make = async (name: string) => {
        const op = await driver.createInstance({ ...base, name });
        await settle(driver.waitForOperation(op));
        return op.resourceId as string;
      };
      const destroy = (id: string) => driver.destroyInstance(id).then((op) => settle(driver.waitForOperation(op)));
      const gone = await make('gone');
      const kept = await make('kept');
      const again = await make('again');
      await destroy(gone);
      await destroy(kept);
      await destroy(again);
      expect((await driver.getInstance(gone)).state).toBe('deleted');
      await driver.recoverInstance(kept);
      // Destroyed, recovered, destroyed again 30 s later: the first destroy's expunge must not take it early.
      await driver.recoverInstance(again);
      await vi.advanceTimersByTimeAsync(30_000);
      await destroy(again);
      await vi.advanceTimersByTimeAsync(30_500);
      await expect(driver.getInstance(gone)).rejects.toMatchObject({ kind: 'not-found' });
      expect((await driver.getInstance(kept)).state).toBe('stopped');
      expect((await driver.getInstance(again)).state).toBe('deleted');
      await vi.advanceTimersByTimeAsync(30_000);
      await expect(driver.getInstance(again)).rejects.toMatchObject({ kind: 'not-found' });
      // Bounded: create and destroy (without expunge) 200 more; a day later none is left, and no timer.
      for (let n = 0; n < 200; n++) await destroy(await make(`churn-${n}`));
      expect(driver.control.sizes().instances).toBe(200 + 1);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(driver.control.sizes()).toMatchObject({ instances: 1, pendingJobs: 0, timers: 0 });
      await driver.close();
    });

    it('expunges after a day by default, as CloudStack’s expunge.delay', async () => {
      vi.useFakeTimers();
      const driver = createSimulatorDriver({ delays: { minMs: 5, maxMs: 10 } });
      const op = await driver.createInstance({ ...base, name: 'day' });
      await settle(driver.waitForOperation(op));
      const id = op.resourceId as string;
      await settle(driver.destroyInstance(id).then((del) => driver.waitForOperation(del)));
      await vi.advanceTimersByTimeAsync(86_400_000 - 1000);
      expect((await driver.getInstance(id)).state).toBe('deleted');
      await vi.advanceTimersByTimeAsync(2000);
      await expect(driver.getInstance(id)).rejects.toMatchObject({ kind: 'not-found' });
      await driver.close();
    });
  });

  it('stops its timers on close: a pending operation stays pending', async () => {
    const driver = createSimulatorDriver({ delays: { minMs: 30, maxMs: 30 } });
    const op = await driver.createInstance({ ...base, name: 'closing' });
    await driver.close();
    await new Promise((r) => setTimeout(r, 60));
    expect((await driver.getOperation(op.jobId)).status).toBe('pending');
  });
});

describe('createDriver', () => {
  it('builds the simulator by default configuration and the CloudStack driver from credentials', () => {
    expect(createDriver({ driver: 'simulator' }).name).toBe('simulator');
    expect(
      createDriver({ driver: 'cloudstack', cloudstack: { endpoint: 'https://cs.example.com/client/api', apiKey: 'k', secretKey: 's' } })
        .name,
    ).toBe('cloudstack');
  });

  it('says which setting is missing or wrong, without echoing the secret', () => {
    const secret = 'super-secret-value';
    expect(() =>
      createDriver({ driver: 'cloudstack', cloudstack: { endpoint: 'https://x/client/api', apiKey: '', secretKey: secret } }),
    ).toThrow(/needs apiKey/);
    try {
      createDriver({ driver: 'cloudstack', cloudstack: { endpoint: 'not a url', apiKey: 'k', secretKey: secret } });
      expect.unreachable();
    } catch (e) {
      expect(String(e)).toMatch(/not a URL/);
      expect(String(e)).not.toContain(secret);
    }
  });
});
