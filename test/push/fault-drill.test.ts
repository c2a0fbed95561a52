/**
 * The push fault drill, small (issue 5, point 7; the full one is `npm run soak:push`): 2,000 recipients on RabbitMQ
 * and MariaDB, an API replica and a worker replica as processes, the worker SIGKILLed once mid-send and restarted.
 * Every recipient ends with exactly one final result, the fakes received every notification reported delivered,
 * and the duplicates stay under chunk size × worker concurrency. In CI a missing RabbitMQ or MariaDB fails the run.
 */
import { describe, expect, it } from 'vitest';
import { rabbitUnavailable } from '../background/rabbit.js';
import { isCi, mariaDbUnavailable } from '../support/backends.js';
import { runFaultDrill } from './fault-drill-scenario.js';

const mariaWhy = await mariaDbUnavailable();
if (mariaWhy && isCi()) throw new Error(`${mariaWhy} — CI needs it (.ci/run starts it).`);
if (mariaWhy) console.warn(`[skip push fault drill] ${mariaWhy}`);
const why = mariaWhy ?? (await rabbitUnavailable('push fault drill'));

describe.skipIf(why !== null)('push fault drill (small)', () => {
  it('loses nothing when the worker replica is SIGKILLed mid-send (2,000 recipients)', async () => {
    const lines: string[] = [];
    // Chunks of 100 and a little provider latency, so the kill lands while chunks are in flight.
    const result = await runFaultDrill({
      recipients: 2000,
      kills: 1,
      brokerRestarts: 0,
      chunkSize: 100,
      latencyMs: 20,
      timeoutMs: 60_000,
      log: (line) => lines.push(line),
    });
    console.log(
      `[push drill] ${result.recipients} recipients settled ${result.report.status} in ${result.seconds} s; ` +
        `${result.faults.map((f) => `${f.what} at ${f.atDelivered} delivered`).join('; ')}; ` +
        `${result.duplicates.deliveries} duplicate deliveries (bound ${result.bound.killsOnly})`,
    );
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, `${JSON.stringify(failed, null, 2)}\n${lines.join('\n')}`).toEqual([]);
    expect(result.statuses).toEqual({ delivered: 2000 - result.unregisteredTokens, unregistered: result.unregisteredTokens });
    expect(result.duplicates.deliveries).toBeLessThanOrEqual(result.bound.killsOnly);
  }, 120_000);
});
