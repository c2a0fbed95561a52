/**
 * @module Diagnostics of the accept path, off unless `PUSH_TRACE=1` (used by test/bench/push-diagnose.ts): each
 * POST /sends logs how long each of its phases took (`push accept phases`, info level), and every second the replica
 * logs its event-loop delay and its database pool's state (`push replica health`). Off, it costs one `undefined`
 * check per phase.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Database, Logger } from '@switchboard/sdk';

const ON = process.env.PUSH_TRACE === '1';

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Milliseconds per named phase, each measured from the previous mark. */
export class AcceptTrace {
  private last = performance.now();
  private readonly start = this.last;
  readonly phases: Record<string, number> = {};

  mark(name: string): void {
    const now = performance.now();
    this.phases[name] = round((this.phases[name] ?? 0) + now - this.last);
    this.last = now;
  }

  total(): number {
    return round(performance.now() - this.start);
  }
}

/** A trace for one accept, or undefined when tracing is off. */
export const acceptTrace = (): AcceptTrace | undefined => (ON ? new AcceptTrace() : undefined);

interface PoolLike {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/** Starts the per-second health line when tracing is on; returns its stop function. */
export const startReplicaTrace = (db: Database, log: Logger): (() => void) => {
  if (!ON) return () => {};
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let pool: PoolLike | undefined;
  const connection = db.getConnection() as unknown as { getNativeClient?: () => Promise<PoolLike> };
  void connection
    .getNativeClient?.()
    .then((p) => {
      pool = p;
    })
    .catch(() => undefined);
  // The pool's queue is sampled often: a wait shorter than a second would not show in a per-second sample.
  let queuedMax = 0;
  let busyMax = 0;
  const sampler = setInterval(() => {
    if (!pool) return;
    queuedMax = Math.max(queuedMax, pool._connectionQueue?.length ?? 0);
    busyMax = Math.max(busyMax, (pool._allConnections?.length ?? 0) - (pool._freeConnections?.length ?? 0));
  }, 5);
  const timer = setInterval(() => {
    const next = performance.eventLoopUtilization();
    log.info(
      {
        loopDelayMs: {
          p50: round(delay.percentile(50) / 1e6),
          p99: round(delay.percentile(99) / 1e6),
          max: round(delay.max / 1e6),
        },
        utilization: Math.round(performance.eventLoopUtilization(next, elu).utilization * 100) / 100,
        pool: { open: pool?._allConnections?.length, busyMax, queuedMax },
      },
      'push replica health',
    );
    elu = next;
    delay.reset();
    queuedMax = 0;
    busyMax = 0;
  }, 1000);
  sampler.unref();
  timer.unref();
  return () => {
    clearInterval(sampler);
    clearInterval(timer);
    delay.disable();
  };
};
