/**
 * @module The simulator's async jobs: the intermediate state is set by the caller at once, the final one by `work`
 * after a random delay, like a provider's job queue. A pending job is kept until it ends; a finished one for
 * `retentionMs` after it ended (CloudStack expires job results too, after `job.expire.minutes`), and never more than
 * `maxFinished` of them, the oldest forgotten first. The platform settles its pending operations on reads and in the
 * state-sync job every minute, and treats a job the provider forgot as lost (the resource is re-read), so a few
 * minutes is plenty; without the expiry, a long run keeps every job's result in memory.
 */
import { randomUUID } from 'node:crypto';
import { DRIVER_ERROR_CODES, driverErrorReason, notFound } from '../driver/driver-error.js';
import type { Operation, OperationResult } from '../driver/operation.js';

export interface SimulatorJobsOptions {
  /** How long a finished job stays readable, ms (default 5 minutes). */
  retentionMs?: number;
  /** Most finished jobs kept, whatever their age (default 10,000). */
  maxFinished?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export interface SimulatorJobs {
  /** Starts a job whose `work` runs after the delay; what it returns is the result, what it throws the failure. */
  start(resourceId: string | undefined, work: () => OperationResult): Operation;
  /** An operation that is already over (idempotent no-ops, synchronous actions). */
  done(resourceId: string | undefined, result: OperationResult): Operation;
  /** Runs `fn` after a delay (template downloads, the final removal of an expunged instance). */
  later(fn: () => void, factor?: number): void;
  /** Runs `fn` after exactly `ms` (the expunge of a destroyed instance). */
  after(ms: number, fn: () => void): void;
  get(jobId: string): Operation;
  /** Jobs held: pending, and finished still readable. */
  size(): { pending: number; finished: number; timers: number };
  close(): void;
}

export const DEFAULT_JOB_RETENTION_MS = 5 * 60_000;
export const DEFAULT_MAX_FINISHED_JOBS = 10_000;

export const createSimulatorJobs = (
  delay: () => number,
  { retentionMs = DEFAULT_JOB_RETENTION_MS, maxFinished = DEFAULT_MAX_FINISHED_JOBS, now = Date.now }: SimulatorJobsOptions = {},
): SimulatorJobs => {
  const pending = new Map<string, Operation>();
  /** In the order they ended, so the oldest is first: expiry only ever looks at the head. */
  const finished = new Map<string, { op: Operation; endedAt: number }>();
  const timers = new Set<NodeJS.Timeout>();
  const expire = () => {
    const cutoff = now() - retentionMs;
    for (const [id, { endedAt }] of finished) {
      if (endedAt > cutoff && finished.size <= maxFinished) break;
      finished.delete(id);
    }
  };
  const put = (op: Operation) => {
    if (op.status === 'pending') pending.set(op.jobId, op);
    else {
      pending.delete(op.jobId);
      finished.set(op.jobId, { op, endedAt: now() });
    }
    expire();
    return { ...op };
  };
  const after = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  const later = (fn: () => void, factor = 1) => after(delay() * factor, fn);
  return {
    start: (resourceId, work) => {
      const op: Operation = { jobId: randomUUID(), status: 'pending', ...(resourceId ? { resourceId } : {}) };
      later(() => {
        try {
          put({ ...op, status: 'succeeded', result: work() });
        } catch (e) {
          const reason = driverErrorReason(e) ?? 'provider';
          put({
            ...op,
            status: 'failed',
            error: { reason, code: DRIVER_ERROR_CODES[reason], message: e instanceof Error ? e.message : String(e) },
          });
        }
      });
      return put(op);
    },
    done: (resourceId, result) => put({ jobId: randomUUID(), status: 'succeeded', ...(resourceId ? { resourceId } : {}), result }),
    later,
    after,
    get: (jobId) => {
      expire();
      const op = pending.get(jobId) ?? finished.get(jobId)?.op;
      if (!op) throw notFound('operation', jobId, { provider: 'simulator' });
      return structuredClone(op);
    },
    size: () => {
      expire();
      return { pending: pending.size, finished: finished.size, timers: timers.size };
    },
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
};
