/** The two small concurrency helpers under the queues: the solo gate (poison isolation) and the group-commit batcher. */
import { describe, expect, it } from 'vitest';
import { batcher } from '../../core/src/background/batcher.js';
import { createSoloGate } from '../../core/src/background/solo-gate.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('solo gate', () => {
  it('runs a solo task only once the shared ones finished, and holds new shared ones back meanwhile', async () => {
    const gate = createSoloGate();
    const log: string[] = [];
    expect(gate.tryShared()).toBe(true);
    expect(gate.tryShared()).toBe(true);
    void gate.solo().then((alone) => log.push(`solo ${alone}`));
    expect(gate.tryShared()).toBe(false); // a solo task is waiting
    const late = gate.shared().then(() => log.push('late shared'));
    gate.leave(false);
    await tick();
    expect(log).toEqual([]); // one shared task still runs
    gate.leave(false);
    await tick();
    expect(log).toEqual(['solo true']);
    gate.leave(true);
    await late;
    expect(log).toEqual(['solo true', 'late shared']);
  });

  it('gives up waiting after maxWaitMs and runs the task shared, so a hung handler cannot stall the process', async () => {
    const gate = createSoloGate();
    expect(gate.tryShared()).toBe(true); // hangs forever
    expect(await gate.solo(20)).toBe(false);
    expect(gate.tryShared()).toBe(true);
  });
});

describe('batcher', () => {
  it('sends a synchronous burst as one flush and a lone call at once', async () => {
    const flushes: number[][] = [];
    const double = batcher(async (xs: number[]) => {
      flushes.push(xs);
      return xs.map((x) => x * 2);
    });
    expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
    expect(await double(5)).toBe(10);
    expect(flushes).toEqual([[1, 2, 3], [5]]);
  });

  it('fails every call of a failed flush, and keeps serving later ones', async () => {
    let fail = true;
    const run = batcher(async (xs: string[]) => {
      if (fail) throw new Error('database gone');
      return xs;
    });
    const results = await Promise.allSettled([run('a'), run('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await run('c')).toBe('c');
  });
});
